"""Browser smoke test in Debian's chromium: sign up, log out, log in, German, phone nav."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "quiet-harbour-lantern-71"


def test_it_signs_up_logs_in_and_switches_to_german(page, live_server, mailoutbox):
    from crm.celery import app as celery_app

    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    celery_app.conf.task_always_eager = True  # account mail: the task runs in the live server
    try:
        page.goto("/accounts/signup/")
        # Crispy marks required labels with an asterisk; the ids are stable.
        page.locator("#id_display_name").fill("Carla Krüger")
        page.locator("#id_email").fill("carla@example.com")
        page.locator("#id_password1").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
        assert User.objects.filter(email="carla@example.com").exists()
        link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)
    finally:
        celery_app.conf.task_always_eager = False
    assert link, mailoutbox[0].body
    page.goto(link.group(0).replace("http://127.0.0.1:8000", live_server.url))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    page.locator("#id_login").fill("Carla@Example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The first log-in opens the first-run setup; the dashboard is one click away.
    expect(page).to_have_url(re.compile(r"/welcome/business/$"))
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    page.get_by_role("button", name="DE", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="DE", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    # The longer German labels (and the timer menu, loaded by htmx) wrap inside the dark
    # navigation bar instead of pushing "Abmelden" past its edge onto the light page.
    expect(page.locator("#timer-nav #timer-menu")).to_be_visible()
    inside = page.evaluate(
        """() => {
          const nav = document.querySelector("nav.navbar").getBoundingClientRect();
          const out = document.querySelector('form[action="/accounts/logout/"] button')
            .getBoundingClientRect();
          return out.right <= nav.right && out.bottom <= nav.bottom && out.left >= nav.left;
        }"""
    )
    assert inside
    assert User.objects.get(email="carla@example.com").profile.language == "de"
    # No CSP violation or script error on the way.
    assert console_errors == []


def test_it_opens_the_menu_on_a_phone(page, alice):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/accounts/login/?next=/settings/")
    page.locator("#id_login").fill("alice")
    page.locator("#id_password").fill("correct horse 42")
    page.get_by_role("button", name="Log in").click()

    clients_link = page.get_by_role("link", name="Clients")
    expect(clients_link).to_be_hidden()
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()

    toggler.click()

    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(clients_link).to_be_visible()
    page.get_by_role("link", name="Clients").click()
    expect(page).to_have_url(re.compile(r"/clients/"))
    # Nothing wider than the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
