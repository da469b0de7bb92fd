"""Keyboard only: the client picker (Tom Select) and approving a draft keep the focus usable."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from crm.testing import browser_log_in
from tests.factories import make_client, make_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_picks_a_client_with_the_keyboard(page: Any, alice: Any) -> None:
    weber = make_client(alice, name="Weber Design", city="Köln")
    make_client(alice, name="Acme GmbH", salutation="Herr Schmidt")
    browser_log_in(page, next_url="/clients/notes/quick-add/")
    picker = page.get_by_role("combobox", name="Client")
    picker.focus()
    page.keyboard.type("Web")
    expect(page.get_by_role("option", name="Weber Design")).to_be_visible()
    expect(page.get_by_role("option", name="Acme GmbH")).to_have_count(0)  # the answer is in
    page.keyboard.press("Enter")  # the first match is active
    expect(page.locator("#quick_note_client")).to_have_value(str(weber.pk))
    page.keyboard.press("Tab")  # on to the next field, out of the picker
    expect(page.locator("#quick_note_kind")).to_be_focused()


def test_it_approves_a_draft_with_the_keyboard_and_keeps_the_focus(page: Any, alice: Any) -> None:
    draft = make_message(make_client(alice, name="Bäckerei Sonnenschein"), subject="Update")
    browser_log_in(page)
    page.goto("/")
    row = page.locator(f"#draft-{draft.pk}")
    row.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")
    status = row.get_by_role("status")
    expect(status).to_contain_text("Approved")
    expect(status).to_be_focused()  # not lost to the page's start
