"""In Debian's chromium: approve a draft in place on the dashboard; a client accepts an offer in
the portal and the freelancer's dashboard shows it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from communications.models import Message
from crm.testing import browser_log_in
from portal.models import PortalLink
from projects.models import Offer
from tests.factories import make_client, make_message, make_offer, make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_approves_a_draft_from_the_dashboard_without_a_reload(page: Any, alice: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    draft = make_message(make_client(alice, name="Bäckerei Sonnenschein"), subject="Wochenupdate")
    browser_log_in(page)
    page.goto("/")
    row = page.locator(f"#draft-{draft.pk}")
    expect(row).to_contain_text("Wochenupdate")
    # A marker on the window survives an htmx swap but not a page load.
    page.evaluate("window.__noReload = true")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#draft-{draft.pk}")).to_contain_text("Approved")
    assert page.evaluate("window.__noReload") is True
    draft.refresh_from_db()
    assert draft.status in {Message.Status.SCHEDULED, Message.Status.HELD}
    assert errors == []


def test_a_client_accepts_in_the_portal_and_the_dashboard_shows_it(
    browser: Any, live_server: Any, alice: Any
) -> None:
    acme = make_client(alice, name="Acme GmbH", salutation="Frau Dr. Weber", language="de")
    project = make_project(acme, title="Neue Website")
    offer = make_offer(project, number="AN-2026-042")
    link = PortalLink.objects.create(owner=alice, project=project)

    visitor = browser.new_context(base_url=live_server.url, locale="de-DE")
    portal = visitor.new_page()
    portal.goto(f"/portal/{link.token}/")
    expect(portal.locator("html")).to_have_attribute("lang", "de")
    expect(portal.get_by_text("Sehr geehrte Frau Dr. Weber,")).to_be_visible()
    form = portal.locator("#accept-form")
    form.locator("input[name=full_name]").fill("Sabine Weber")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    expect(portal.locator("#portal-done")).to_be_visible()
    expect(portal.locator("#offer-accepted")).to_contain_text("Sabine Weber")
    visitor.close()

    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert offer.accepted_ip == "127.0.0.1"

    freelancer = browser.new_context(base_url=live_server.url, locale="en-US")
    page = freelancer.new_page()
    browser_log_in(page)
    page.goto("/")
    expect(page.locator(".acceptance")).to_contain_text("Acme GmbH accepted offer AN-2026-042")
    expect(page.locator(".acceptance")).to_contain_text("Sabine Weber")
    freelancer.close()
