"""Every main page in chromium, so the accessibility and HTML checks (tests/a11y.py) cover them.

The checks themselves run for any browser test (see the ``browser`` fixture in conftest.py);
this test only makes sure each page is visited, with data in it, its closed ``<details>`` forms
and its htmx partials included.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from communications.models import Message
from crm.testing import browser_log_in
from portal.models import PortalLink
from tests.factories import make_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page: Any, url: str, heading: str | None = None) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url}: {response.status}"
    if heading:
        expect(page.locator("main h1").first).to_contain_text(heading)


def test_every_main_page_of_a_freelancer(page: Any, alice: Any) -> None:
    rows = make_everything(alice)
    client, project = rows["client"], rows["project"]
    offer, invoice = rows["offer"], rows["invoice"]
    milestone = project.milestones.first()
    message = Message.objects.filter(client=client).first()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    browser_log_in(page)

    # The dashboard, with the quick note loaded by htmx.
    visit(page, "/")
    expect(page.locator("#note-quick-add form")).to_be_visible()

    # Clients: list (and its htmx filter), page (and the timeline filter), forms, import.
    visit(page, "/clients/", "Clients")
    page.locator("#id_q").fill("Acme")
    expect(page.get_by_test_id("client-count")).to_have_text("1 client")
    visit(page, f"/clients/{client.pk}/")
    page.locator("#timeline-kind").select_option("note")
    expect(page.locator("#timeline-kind")).to_have_value("note")
    page.wait_for_load_state("networkidle")
    visit(page, "/clients/new/")
    visit(page, f"/clients/{client.pk}/edit/")
    visit(page, f"/clients/{client.pk}/delete/")
    visit(page, "/clients/notes/quick-add/")

    # Projects: list, page with every form, forms, offer, invoices.
    visit(page, "/projects/", "Projects")
    visit(page, f"/projects/{project.pk}/")
    visit(page, "/projects/new/")
    visit(page, f"/projects/{project.pk}/edit/")
    visit(page, f"/projects/milestones/{milestone.pk}/edit/")
    visit(page, f"/projects/offers/{offer.pk}/")
    visit(page, f"/projects/offers/{offer.pk}/edit/")
    visit(page, "/projects/invoices/")
    visit(page, f"/projects/invoices/{invoice.pk}/")
    visit(page, f"/projects/changes/{project.change_requests.first().pk}/")

    # Messages, templates, message settings.
    visit(page, "/messages/", "Messages")
    visit(page, f"/messages/{message.pk}/")
    visit(page, f"/messages/{message.pk}/edit/")
    visit(page, f"/messages/compose/{client.pk}/")
    visit(page, f"/messages/log/{client.pk}/")
    visit(page, "/messages/templates/")
    visit(page, "/messages/templates/reminder_1/de/formal/")
    visit(page, "/messages/settings/")
    visit(page, f"/messages/settings/client/{client.pk}/")

    # The mailbox and the bank.
    visit(page, reverse("inbox:list"))
    visit(page, reverse("inbox:settings"))
    visit(page, reverse("banking:home"))
    visit(page, reverse("banking:statements"))
    visit(page, reverse("banking:known_accounts"))

    # Settings, privacy, the portal link page.
    visit(page, "/settings/")
    visit(page, "/privacy/")
    visit(page, "/privacy/audit/")
    visit(page, f"/privacy/clients/{client.pk}/")
    visit(page, f"/portal/manage/projects/{project.pk}/")
    assert errors == []


def test_the_portal_page_a_client_sees(browser: Any, live_server: Any, alice: Any) -> None:
    rows = make_everything(alice)
    link = PortalLink.objects.filter(project=rows["project"]).first()
    visitor = browser.new_context(base_url=live_server.url, locale="de-DE")
    portal = visitor.new_page()
    portal.goto(f"/portal/{link.token}/")
    expect(portal.locator("html")).to_have_attribute("lang", "de")
    expect(portal.locator("h1").first).to_be_visible()
    visitor.close()


def test_the_pages_before_logging_in(page: Any) -> None:
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"):
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible()


def test_the_first_run_setup_and_sending_as_yourself(page: Any, alice: Any, settings: Any) -> None:
    from crm.senders import sender_token

    settings.CLIENT_MAIL_FROM = "freelancer"
    profile = alice.profile
    profile.sender_email = "alice@studio-alice.example"
    profile.save()
    browser_log_in(page)
    for step in ("business", "sender", "mailbox", "bank", "clients"):
        visit(page, f"/welcome/{step}/")
    visit(page, "/settings/")
    expect(page.get_by_test_id("sender-pending")).to_be_visible()
    visit(page, f"/sender/confirm/{sender_token(profile)}/")
    page.get_by_role("button", name="Yes, this is my address").click()
    expect(page.get_by_test_id("sender-confirmed")).to_be_visible()
    visit(page, "/settings/")
    expect(page.get_by_test_id("sender-verified")).to_be_visible()
