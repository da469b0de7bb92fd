"""Real exports imported in chromium: five recognised formats straight to the preview, and a
hand-made sheet through the mapping step (saved as a preset)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from clients.models import Client, ImportPreset
from crm.testing import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parent / "data"
RECOGNISED = [
    ("google-contacts.csv", "Google Contacts", 3, "Weber & Töchter GmbH"),
    ("outlook-de.csv", "Outlook (German)", 2, "Schneider Bau KG"),
    ("apple-contacts.vcf", "vCard", 3, "Praxis Hoffmann"),
    ("lexoffice-kunden.csv", "lexoffice", 3, "Müller & Söhne GmbH"),
    ("hubspot-contacts.xlsx", "HubSpot", 2, "Northwind Trading"),
]


def upload(page: Any, path: Path) -> None:
    page.goto("/clients/import/")
    page.get_by_label("File with your clients").set_input_files(str(path))
    page.get_by_role("button", name="Upload and continue").click()


def test_it_imports_five_real_exports_and_a_hand_made_sheet(page: Any, alice: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    browser_log_in(page)
    total = 0
    for filename, label, count, name in RECOGNISED:
        upload(page, DATA / filename)
        expect(page).to_have_url(re.compile(r"/clients/import/\d+/$"))
        expect(page.get_by_text(f"recognised as {label}")).to_be_visible()
        expect(page.get_by_test_id("import-summary")).to_contain_text(f"{count} new client")
        page.get_by_role("button", name=re.compile(rf"Import {count} clients")).click()
        expect(page.get_by_role("alert").first).to_contain_text(f"Import done: {count} new")
        total += count
        assert Client.objects.filter(owner=alice, name=name).exists()
    assert Client.objects.filter(owner=alice).count() == total

    # A sheet nobody publishes: the mapping step, with suggestions to check.
    upload(page, DATA / "handmade.csv")
    expect(page).to_have_url(re.compile(r"/mapping/$"))
    expect(page.get_by_label("Anrede")).to_have_value("salutation")
    expect(page.get_by_label("Bemerkung")).to_have_value("")
    page.get_by_label("Telefon").select_option("phone")
    page.get_by_label("Save this mapping for the next file").check()
    page.get_by_label("Name of the mapping").fill("Meine Excel-Liste")
    page.get_by_role("button", name="Continue to the preview").click()
    rows = page.get_by_test_id("import-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Frau Schulz")
    page.get_by_role("button", name="Import 2 clients").click()
    expect(page.get_by_role("alert").first).to_contain_text("Import done: 2 new")
    assert ImportPreset.objects.get(owner=alice).name == "Meine Excel-Liste"

    # The same file again: recognised by the preset, and every client is already there.
    upload(page, DATA / "handmade.csv")
    expect(page.get_by_text("recognised as Meine Excel-Liste")).to_be_visible()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 skipped")
    assert errors == []


def test_it_keeps_the_file_while_the_mapping_is_corrected(page: Any, alice: Any) -> None:
    browser_log_in(page)
    upload(page, DATA / "handmade.csv")
    page.get_by_label("Name", exact=True).select_option("")
    page.get_by_role("button", name="Continue to the preview").click()
    expect(page.get_by_role("alert").first).to_contain_text("Choose the column with the name")
    page.get_by_label("Name", exact=True).select_option("name")
    page.get_by_role("button", name="Continue to the preview").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 new clients")
