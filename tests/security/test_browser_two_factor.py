"""Two-factor log-in in a real browser, under the strict CSP.

TOTP: the code is computed with pyotp from the secret the set-up page shows next to its QR code
(an SVG rendered on the server, shown as a data: image). WebAuthn: Chromium's DevTools protocol
(WebAuthn domain) gives the page a virtual platform authenticator that creates and signs real
credentials, which django-allauth verifies with python-fido2.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse 42"


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def totp_code(secret: str) -> str:
    """Return the current code with at least 5 s of its 30-second window left: a code typed
    at the end of a window reaches the server in the next one and is refused."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.2)
    return pyotp.TOTP(secret).now()


def log_in_with_password(page: Any) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("alice@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def reauthenticate(page: Any) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def dashboard_visible(page: Any) -> None:
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")


def test_it_sets_up_totp_from_the_qr_page_and_logs_in_with_a_code(
    page: Any, alice: Any, console_errors: list[str], eager_celery: None
) -> None:
    log_in_with_password(page)
    dashboard_visible(page)
    page.goto("/accounts/2fa/totp/activate/")
    reauthenticate(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    qr = page.locator('img[src^="data:image/svg+xml;base64,"]')
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG rendered despite the CSP
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    # Ten recovery codes are offered right away.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert Authenticator.objects.filter(user=alice, type="totp").exists()

    page.get_by_role("button", name="Log out").click()
    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    # A fresh code (TOTP codes are single-use: wait for the next window if needed).
    code = totp_code(secret)
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/trust/$"))
    page.get_by_role("button", name="Don't Trust").click()
    dashboard_visible(page)
    assert console_errors == []


def add_virtual_authenticator(page: Any) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def test_it_adds_a_security_key_and_logs_in_with_it(
    page: Any, alice: Any, settings: Any, console_errors: list[str], eager_celery: None
) -> None:
    # The live server speaks plain HTTP on localhost (production is HTTPS-only).
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    cdp, authenticator_id = add_virtual_authenticator(page)
    log_in_with_password(page)
    dashboard_visible(page)
    page.goto("/accounts/2fa/webauthn/add/")
    reauthenticate(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    page.locator("#id_name").fill("Laptop")
    page.locator("#mfa_webauthn_add").click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/$"))
    page.goto("/accounts/2fa/webauthn/")
    expect(page.get_by_text("Laptop").first).to_be_visible()
    assert Authenticator.objects.filter(user=alice, type="webauthn").count() == 1
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1

    page.get_by_role("button", name="Log out").click()
    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("#mfa_webauthn_authenticate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/trust/$"))
    page.get_by_role("button", name="Don't Trust").click()
    dashboard_visible(page)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert credentials["credentials"][0]["signCount"] >= 1
    assert console_errors == []
