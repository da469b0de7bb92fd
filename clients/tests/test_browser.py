"""The client journey in Debian's chromium: create, note (htmx), tone, import, find by tag."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from clients.models import Client, Note
from crm.testing import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-clients.csv"


def test_it_walks_the_client_journey(page: Any, alice: Any) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    browser_log_in(page, next_url="/clients/")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()

    # Create "Frau Dr. Weber, Sie, Deutsch".
    page.get_by_role("link", name="New client").click()
    page.locator("#id_kind").select_option("person")
    page.locator("#id_name").fill("Sabine Weber")
    page.locator("#id_email").fill("weber@example.com")
    page.locator("#id_language").select_option("de")
    page.locator("#id_form_of_address").select_option("formal")
    page.locator("#id_salutation").fill("Frau Dr. Weber")
    page.get_by_role("button", name="Add another contact").click()
    page.locator("#id_contacts-1-name").fill("Tom Assistent")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("client-name")).to_have_text("Sabine Weber")
    expect(page.get_by_test_id("tone-badge")).to_have_text("Deutsch · Sie")
    expect(page.get_by_test_id("greeting-preview")).to_have_text("Sehr geehrte Frau Dr. Weber,")
    expect(page.get_by_text("Tom Assistent")).to_be_visible()

    # A pinned no-go, added in place: the page is not reloaded.
    page.evaluate("window.__noReload = true")
    form = page.get_by_test_id("note-add-form")
    form.locator("select[name=kind]").select_option("no_go")
    form.locator("textarea[name=body]").fill("Niemals vor 10 Uhr anrufen <script>x</script>")
    form.locator("input[name=is_pinned]").check()
    form.get_by_role("button", name="Add note").click()
    top = page.locator("#prominent-notes")
    expect(top).to_contain_text("Niemals vor 10 Uhr anrufen <script>x</script>")
    expect(page.locator("#note-list")).to_contain_text("Niemals vor 10 Uhr anrufen")
    assert page.evaluate("window.__noReload") is True
    assert Note.objects.get().is_pinned

    # Import the 50-row sample.
    page.goto("/clients/import/")
    page.locator("#id_file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("50 new clients")
    page.get_by_role("button", name="Import 50 clients").click()
    expect(page.get_by_role("alert").first).to_contain_text("Import done: 50 new")
    assert Client.objects.filter(owner=alice).count() == 51

    # Find one by tag (htmx filter, URL kept).
    page.locator("#id_tag").select_option("Import 2026")
    expect(page.get_by_test_id("client-count")).to_have_text("1 client")
    expect(page).to_have_url(re.compile(r"tag=Import(%20|\+)2026"))
    page.get_by_role("link", name="Oakwood Dental 17").click()
    expect(page.get_by_test_id("tone-badge")).to_have_text("English · casual")
    expect(page.get_by_test_id("greeting-preview")).to_have_text("Hi Siobhan,")
    assert console_errors == []


def test_it_picks_a_client_by_typing_in_the_quick_note(page: Any, alice: Any) -> None:
    from .factories import ClientFactory

    ClientFactory.create_batch(40, owner=alice)
    weber = ClientFactory(owner=alice, name="Weber Design", city="Köln")
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    browser_log_in(page)

    # The quick note arrives by htmx; its client field is a search box, not 41 options.
    page.locator("#note-quick-add .ts-control").click()
    expect(page.locator("#note-quick-add .ts-dropdown")).to_be_visible()
    page.locator("#quick_note_client-ts-control").fill("weber")
    option = page.locator(".ts-dropdown .option", has_text="Weber Design")
    expect(option).to_be_visible()
    expect(option).to_contain_text("Köln")
    option.click()
    expect(page.locator("#quick_note_client")).to_have_value(str(weber.pk))
    page.locator("#quick_note_body").fill("Möchte Angebote als PDF.")
    page.locator("#note-quick-add").get_by_role("button", name="Add note").click()
    expect(page.locator("#note-quick-add")).to_contain_text("Note added to Weber Design")
    assert Note.objects.get().client == weber

    # The messages filter uses the same picker: nobody matches, "All" stays to choose.
    page.goto("/messages/")
    page.locator("form[role=search] .ts-control").click()
    expect(page.locator(".ts-dropdown")).to_be_visible()  # focused: the typing goes in
    page.locator("#id_client-ts-control").fill("Weber Des")
    expect(page.locator(".ts-dropdown .option")).to_have_text(["All", "Weber Design Köln"])
    page.locator("#id_client-ts-control").fill("zzz-nobody")
    expect(page.locator(".ts-dropdown .option")).to_have_text(["All"])
    assert console_errors == []
