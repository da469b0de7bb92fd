"""One focused browser test: approve a draft in place and preview a template, no CSP errors."""

from __future__ import annotations

from typing import Any

import pytest

from clients.tests.factories import ClientFactory
from communications.models import Message
from crm.testing import browser_log_in

from .factories import MessageFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_approves_a_draft_in_place_and_previews_a_template(page: Any, alice: Any) -> None:
    from playwright.sync_api import expect

    acme = ClientFactory(
        owner=alice, name="Acme GmbH", email="info@acme.example", salutation="Frau Dr. Weber"
    )
    draft = MessageFactory(client=acme, subject="Bitte freigeben")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_log_in(page, next_url="/messages/")

    row = page.locator(f"#message-{draft.pk}")
    expect(row).to_contain_text("Bitte freigeben")
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#message-{draft.pk}")).to_have_attribute(
        "data-status", "scheduled", timeout=15_000
    )
    draft.refresh_from_db()
    assert draft.status == Message.Status.SCHEDULED

    page.goto("/messages/templates/reminder_1/de/formal/")
    page.wait_for_load_state("load")
    page.locator("#id_client").select_option(str(acme.pk))
    expect(page.locator("#template-preview")).to_contain_text("Sehr geehrte Frau Dr. Weber,")
    page.locator("#id_body").fill("{{ tone.greeting }} Test {{ client.name }}")
    expect(page.locator("#template-preview")).to_contain_text("Test Acme GmbH")
    assert errors == []
