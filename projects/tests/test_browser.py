"""The project journey in Debian's chromium: from a client to an offer PDF and an e-invoice."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pypdf
import pytest
from facturx import xml_check_xsd
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from crm.testing import browser_log_in
from projects.models import ChangeRequest, Invoice, Offer, Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf(page: Any, link: Any) -> tuple[str, pypdf.PdfReader]:
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split()), reader


def test_it_walks_the_project_journey(page: Any, alice: Any) -> None:
    weber = ClientFactory(
        owner=alice,
        kind="person",
        name="Sabine Weber",
        salutation="Frau Dr. Weber",
        language="de",
        form_of_address="formal",
    )
    today = datetime.date.today()  # noqa: DTZ011 (the live server runs on real time)
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.on("dialog", lambda dialog: dialog.accept())
    browser_log_in(page, next_url=f"/clients/{weber.pk}/")
    expect(page.get_by_text("Sabine Weber").first).to_be_visible()

    # A project for this client (the client is preselected).
    page.goto(f"/projects/new/?client={weber.pk}")
    expect(page.locator("#id_client")).to_have_value(str(weber.pk))
    page.locator("#id_title").fill("Website-Relaunch")
    page.locator("#id_start_on").fill(today.isoformat())
    page.locator("#id_deadline_on").fill((today + datetime.timedelta(days=60)).isoformat())
    page.locator("#id_fixed_price").fill("4800")
    page.locator("#id_revisions_agreed").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Website-Relaunch"))).to_be_visible()
    assert Project.objects.get().client == weber

    # Three scope items in scope and one out of scope, added in place (htmx, no reload).
    page.evaluate("window.__noReload = true")
    for title in ("Startseite", "Fünf Unterseiten", "Kontaktformular", "Texterstellung"):
        form = page.locator("#scope-add-form")
        form.locator("[name=title]").fill(title)
        if title == "Texterstellung":
            form.locator("[name=is_in_scope]").uncheck()
        form.get_by_role("button", name="Add scope item").click()
        expect(page.locator("#scope")).to_contain_text(title)
    expect(page.locator("#scope-in li")).to_have_count(3)
    expect(page.locator("#scope-out")).to_contain_text("Texterstellung")
    assert page.evaluate("window.__noReload") is True

    # Two milestones.
    for title, days in (("Entwurf", 14), ("Go-live", 45)):
        page.locator("#milestones summary").click()
        form = page.locator("#milestone-form")
        form.locator("[name=title]").fill(title)
        form.locator("[name=due_on]").fill((today + datetime.timedelta(days=days)).isoformat())
        form.get_by_role("button", name="Add milestone").click()
        expect(page.locator("#milestones")).to_contain_text(title)
    expect(page.locator("#milestones")).to_contain_text("On track")

    # Three revision rounds: two agreed, the third a goodwill extra.
    for number in range(3):
        page.locator("#revisions summary").click()
        form = page.locator("#revision-form")
        form.locator("[name=description]").fill(f"Runde {number + 1}: Farben")
        if number == 2:
            expect(form.locator("[name=billing]")).to_have_value("goodwill")
        form.get_by_role("button", name="Log round").click()
    expect(page.locator("#revision-count")).to_contain_text("2 of 2 revisions used")
    expect(page.locator("#revisions")).to_contain_text("Goodwill extra")

    # A change request, declined politely with an alternative.
    page.locator("#change-requests summary").click()
    form = page.locator("#change-request-form")
    form.locator("[name=title]").fill("Blog")
    form.locator("[name=description]").fill("Können wir noch einen Blog haben?")
    form.get_by_role("button", name="Log change request").click()
    page.get_by_role("button", name="Decline and draft reply").click()
    expect(page.locator("#decline-form")).to_contain_text("always offers an alternative")
    page.locator("#decline-form textarea[name=alternative]").fill("Gern als Phase 2 im Januar.")
    page.get_by_role("button", name="Decline and draft reply").click()
    expect(page.locator("#reply-body")).to_contain_text("Frau Dr. Weber")
    assert ChangeRequest.objects.get().status == "declined"

    # The offer: created from the project, saved, sent, PDF opened.
    page.get_by_role("link", name=re.compile("Website-Relaunch")).click()
    page.get_by_role("button", name="Create offer").click()
    expect(page.locator("#id_intro_text")).to_have_value(
        re.compile("vielen Dank für Ihr Interesse")
    )
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Send offer").click()
    expect(page.get_by_text("frozen").first).to_be_visible()
    text, _reader = _pdf(page, page.locator("#offer-pdf-link"))
    for expected in (
        "Sehr geehrte Frau Dr. Weber",
        "Startseite",
        "Fünf Unterseiten",
        "Kontaktformular",
        "Nicht im Leistungsumfang",
        "Texterstellung",
        "2 Korrekturschleifen sind im Preis enthalten.",
        "4.800,00 €",
        "912,00 €",
        "5.712,00 €",
    ):
        assert expected in text, expected
    assert Offer.objects.get().status == "sent"

    # The client accepts; the invoice is created from the offer, issued, PDF opened.
    page.get_by_role("button", name="Accepted").click()
    page.get_by_role("button", name="Create invoice").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Issue invoice").click()
    invoice = Invoice.objects.get()
    expect(page.get_by_role("heading", name=re.compile(invoice.number))).to_be_visible()
    assert re.fullmatch(r"\d{4}-0001", invoice.number)
    text, reader = _pdf(page, page.locator("#invoice-pdf-link"))
    assert "Sehr geehrte Frau Dr. Weber" in text
    assert f"Rechnung {invoice.number}" in text
    assert "Gesamtbetrag 5.712,00 €" in text
    assert xml_check_xsd(reader.attachments["factur-x.xml"][0], flavor="factur-x", level="en16931")
    # The one refused form (no alternative) answers 422 on purpose; nothing else may fail.
    assert [e for e in console_errors if "status of 422" not in e] == []
