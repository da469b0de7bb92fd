"""Accounts a professional can trust: sign-up, verification, reset, second factor, sessions.

ASVS 5.0 V6 (authentication) and V7 (session management); docs/security.md maps each
requirement to the test here that proves it.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import pyotp
import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse 42"
STRONG = "Blue-harbour-lantern-97"
SECRET = pyotp.random_base32()


def post_committed(client: Client, capture: Any, url: str, data: dict[str, Any]) -> Any:
    with capture(execute=True):
        return client.post(url, data)


def signup(client: Client, capture: Any, email: str, **extra: Any) -> Any:
    data = {"display_name": "Carla Neu", "email": email, "password1": STRONG, **extra}
    return post_committed(client, capture, reverse("signup"), data)


def link_in(mail: Any) -> str:
    match = re.search(r"https?://[^\s]+", mail.body)
    assert match, mail.body
    return re.sub(r"^https?://[^/]+", "", match.group(0))


# --- Sign-up and reset answer the same, known address or not (V6.3.x enumeration) ---------


def test_it_answers_sign_up_the_same_for_a_known_and_an_unknown_address(
    client: Client,
    alice: Any,
    mailoutbox: list[Any],
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    known = signup(Client(), django_capture_on_commit_callbacks, "ALICE@example.com")
    unknown = signup(Client(), django_capture_on_commit_callbacks, "carla@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1
    # The owner of the known address is told, not the visitor.
    to_alice = [m for m in mailoutbox if [a.lower() for a in m.to] == ["alice@example.com"]]
    to_carla = [m for m in mailoutbox if m.to == ["carla@example.com"]]
    assert len(to_alice) == len(to_carla) == 1
    assert "already" in to_alice[0].body.lower()
    assert "/accounts/confirm-email/" in to_carla[0].body


def test_it_answers_password_reset_the_same_for_a_known_and_an_unknown_address(
    alice: Any, mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("password_reset")
    known = post_committed(
        Client(), django_capture_on_commit_callbacks, url, {"email": "alice@example.com"}
    )
    unknown = post_committed(
        Client(), django_capture_on_commit_callbacks, url, {"email": "nobody@example.com"}
    )

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mailoutbox] == [["alice@example.com"], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    assert "/accounts/password/reset/key/" not in mailoutbox[1].body


def test_it_sends_account_mail_after_the_commit_from_a_celery_task(
    alice: Any, mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Client().post(reverse("password_reset"), {"email": "alice@example.com"})
    assert mailoutbox == []  # nothing left inside the request
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (eagerly here, in a worker in production)
    assert len(mailoutbox) == 1
    assert re.fullmatch(r"<[^@<>]+@[a-z0-9.-]+>", mailoutbox[0].extra_headers["Message-ID"])


def test_it_resets_the_password_through_the_link_and_ends_every_session(
    alice: Any, mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    other = Client()
    other.post(reverse("login"), {"login": "alice", "password": PASSWORD})
    assert other.get(reverse("dashboard:index")).status_code == 200
    post_committed(
        Client(),
        django_capture_on_commit_callbacks,
        reverse("password_reset"),
        {"email": "alice@example.com"},
    )
    browser = Client()
    page = browser.get(link_in(mailoutbox[0]), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link_in(mailoutbox[0])
    response = browser.post(form_url, {"password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(STRONG)
    assert other.get(reverse("dashboard:index")).status_code == 302  # logged out


# --- E-mail verification before any client mail -------------------------------------------


def test_it_confirms_the_address_of_a_new_account_before_it_can_log_in(
    mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    browser = Client()
    signup(browser, django_capture_on_commit_callbacks, "carla@example.com")
    user = get_user_model().objects.get(email="carla@example.com")
    assert user.username == "carla@example.com"
    assert user.profile.display_name == "Carla Neu"
    assert not EmailAddress.objects.get(user=user).verified
    assert browser.get(reverse("dashboard:index")).status_code == 302

    confirm_url = link_in(mailoutbox[0])
    assert browser.get(confirm_url).status_code == 200  # GET alone confirms nothing
    assert not EmailAddress.objects.get(user=user).verified
    browser.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified


def test_it_holds_client_mail_until_the_account_address_is_confirmed(alice: Any) -> None:
    from communications.dispatch import messages_dispatch
    from communications.models import Message
    from tests.factories import make_client, make_message

    EmailAddress.objects.filter(user=alice).update(verified=False)
    message = make_message(make_client(alice), status=Message.Status.SCHEDULED)
    message.send_after = message.send_after or datetime.datetime.now(datetime.UTC)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SCHEDULED, send_after=datetime.datetime.now(datetime.UTC)
    )
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert "confirm your e-mail address" in message.held_reason
    # Confirming the address releases it: it waits no longer.
    from allauth.account.signals import email_confirmed

    address = EmailAddress.objects.get(user=alice)
    address.verified = True
    address.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    message.refresh_from_db()
    assert (message.status, message.held_reason) == (Message.Status.SCHEDULED, "")
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_it_holds_client_mail_past_the_new_account_quota(
    alice: Any, settings: Any, mailoutbox: list[Any]
) -> None:
    from communications.dispatch import messages_dispatch
    from communications.models import Message
    from tests.factories import make_client, make_message

    settings.ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS = 3
    acme = make_client(alice)
    now = datetime.datetime.now(datetime.UTC)
    for index in range(5):
        make_message(acme, subject=f"Nachricht {index}")
    Message.objects.filter(owner=alice).update(status=Message.Status.SCHEDULED, send_after=now)
    messages_dispatch()
    statuses = sorted(Message.objects.filter(owner=alice).values_list("status", flat=True))
    assert statuses.count(Message.Status.SENT) == 3
    held = Message.objects.filter(owner=alice, status=Message.Status.HELD)
    assert held.count() == 2
    assert "3 client messages a day" in held.first().held_reason
    # An older account is not limited.
    get_user_model().objects.filter(pk=alice.pk).update(
        date_joined=now - datetime.timedelta(days=30)
    )
    held.update(status=Message.Status.SCHEDULED, held_reason="")
    messages_dispatch()
    assert Message.objects.filter(owner=alice, status=Message.Status.SENT).count() == 5


def test_it_holds_client_mail_past_the_global_quota(alice: Any, bob: Any, settings: Any) -> None:
    from communications.dispatch import messages_dispatch
    from communications.models import Message
    from tests.factories import make_client, make_message

    settings.ACCOUNTS_GLOBAL_DAILY_MAILS = 2
    for owner in (alice, bob):
        make_message(make_client(owner))
        make_message(make_client(owner))
    now = datetime.datetime.now(datetime.UTC)
    Message.objects.update(status=Message.Status.SCHEDULED, send_after=now)
    messages_dispatch()
    assert Message.objects.filter(status=Message.Status.SENT).count() == 2
    held = Message.objects.filter(status=Message.Status.HELD)
    assert held.count() == 2
    assert "sending limit of 2 client messages a day" in held.first().held_reason


# --- Closed sign-up and invitations ---------------------------------------------------------


def test_it_closes_sign_up_and_opens_it_by_invitation_only_once(
    settings: Any, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ACCOUNTS_SIGNUP_OPEN = False
    closed = Client().get(reverse("signup"))
    assert b'name="password1"' not in closed.content
    signup(Client(), django_capture_on_commit_callbacks, "mallory@example.com")
    assert not get_user_model().objects.filter(email="mallory@example.com").exists()

    invitation, token = Invitation.issue(email="carla@example.com")
    assert token not in invitation.token_hash
    browser = Client()
    assert browser.get(reverse("accounts:invitation", args=[token]))["Location"] == reverse(
        "account_signup"
    )
    assert b'name="password1"' in browser.get(reverse("signup")).content
    signup(browser, django_capture_on_commit_callbacks, "carla@example.com")
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert invitation.used_by.email == "carla@example.com"
    # Used once: the link no longer works.
    assert Client().get(reverse("accounts:invitation", args=[token])).status_code == 404


def test_it_refuses_an_expired_or_forged_invitation(settings: Any) -> None:
    invitation, token = Invitation.issue()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    )
    assert Client().get(reverse("accounts:invitation", args=[token])).status_code == 404
    assert Client().get(reverse("accounts:invitation", args=["forged"])).status_code == 404


# --- Log-in: e-mail or username; the second factor ------------------------------------------


@pytest.mark.parametrize("identifier", ["alice", "alice@example.com", "ALICE@example.com"])
def test_it_logs_in_by_username_or_email(alice: Any, identifier: str) -> None:
    browser = Client()
    response = browser.post(reverse("login"), {"login": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get(reverse("dashboard:index")).status_code == 200


def with_totp(user: Any) -> TOTP:
    totp = TOTP.activate(user, SECRET)
    RecoveryCodes.activate(user)
    return totp


def password_step(browser: Client) -> Any:
    return browser.post(reverse("login"), {"login": "alice", "password": PASSWORD})


def code_step(browser: Client, code: str, *, trust: bool = False) -> Any:
    """Send the second factor; answer the "trust this browser?" question that follows."""
    response = browser.post(reverse("mfa_authenticate"), {"code": code})
    if response.status_code == 302 and response["Location"] == reverse("mfa_trust"):
        response = browser.post(reverse("mfa_trust"), {"action": "trust" if trust else "skip"})
    return response


def test_it_asks_for_the_second_factor_and_accepts_a_totp_code(alice: Any) -> None:
    with_totp(alice)
    browser = Client()
    response = password_step(browser)
    assert response["Location"] == reverse("mfa_authenticate")
    assert browser.get(reverse("dashboard:index")).status_code == 302  # not logged in yet
    response = code_step(browser, pyotp.TOTP(SECRET).now())
    assert response.status_code == 302
    assert browser.get(reverse("dashboard:index")).status_code == 200


def test_it_accepts_each_of_ten_recovery_codes_once(alice: Any) -> None:
    with_totp(alice)
    codes = RecoveryCodes(
        Authenticator.objects.get(user=alice, type="recovery_codes")
    ).get_unused_codes()
    assert len(codes) == 10
    browser = Client()
    password_step(browser)
    code_step(browser, codes[0])
    assert browser.get(reverse("dashboard:index")).status_code == 200
    again = Client()
    password_step(again)
    response = again.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200  # the form again: used up
    assert again.get(reverse("dashboard:index")).status_code == 302


def test_it_locks_the_second_factor_after_ten_wrong_codes_with_django_axes(alice: Any) -> None:
    with_totp(alice)
    browser = Client()
    password_step(browser)
    statuses = [
        browser.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code for _ in range(11)
    ]
    # AXES_FAILURE_LIMIT (10): the tenth wrong code locks, as the tenth wrong password does.
    assert statuses[:9] == [200] * 9
    assert statuses[9:] == [429, 429]
    # Locked: even the right code is refused now.
    right = browser.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(SECRET).now()})
    assert right.status_code == 429
    assert browser.get(reverse("dashboard:index")).status_code == 302


def test_it_trusts_a_browser_for_thirty_days_when_asked(alice: Any, settings: Any) -> None:
    with_totp(alice)
    browser = Client()
    password_step(browser)
    response = browser.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(SECRET).now()})
    assert response["Location"] == reverse("mfa_trust")
    browser.post(reverse("mfa_trust"), {"action": "trust"})
    from allauth.mfa import app_settings as mfa_settings

    cookie = browser.cookies[mfa_settings.TRUST_COOKIE_NAME]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    browser.post(reverse("logout"))
    response = password_step(browser)
    assert response["Location"] != reverse("mfa_authenticate")
    assert browser.get(reverse("dashboard:index")).status_code == 200
    # Another browser still needs the code.
    assert password_step(Client())["Location"] == reverse("mfa_authenticate")


def reauthenticate(browser: Client) -> None:
    response = browser.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_it_asks_to_reauthenticate_before_a_security_change(alice: Any) -> None:
    browser = Client()
    password_step(browser)
    for url in (reverse("mfa_activate_totp"), reverse("mfa_add_webauthn")):
        response = browser.get(url)
        assert response.status_code == 302
        assert reverse("account_reauthenticate") in response["Location"]
    wrong = browser.post(reverse("account_reauthenticate"), {"password": "wrong"})
    assert wrong.status_code == 200
    reauthenticate(browser)
    assert browser.get(reverse("mfa_activate_totp")).status_code == 200
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=6)
    with time_machine.travel(later):
        response = browser.get(reverse("mfa_activate_totp"))
        assert reverse("account_reauthenticate") in response["Location"]


def test_it_requires_two_factors_when_the_operator_says_so(
    alice_client: Any, settings: Any
) -> None:
    settings.ACCOUNTS_2FA_REQUIRED = True
    response = alice_client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    assert alice_client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    with_totp(get_user_model().objects.get(username="alice"))
    assert alice_client.get(reverse("clients:list")).status_code == 200


# --- Sessions (V7) ------------------------------------------------------------------------------


def logged_in(identifier: str = "alice", agent: str = "") -> Client:
    browser = Client(HTTP_USER_AGENT=agent) if agent else Client()
    response = browser.post(reverse("login"), {"login": identifier, "password": PASSWORD})
    assert response.status_code == 302
    return browser


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_it_lists_the_sessions_with_device_and_last_use(alice: Any) -> None:
    logged_in(agent=FIREFOX)
    browser = logged_in()
    page = browser.get(reverse("accounts:security")).content.decode()
    assert "Firefox 133" in page
    assert "Windows" in page
    assert UserSession.objects.filter(user=alice).count() == 2


def test_it_logs_out_everywhere_else_after_the_password_again(alice: Any) -> None:
    other = logged_in(agent=FIREFOX)
    browser = logged_in()
    response = browser.post(reverse("usersessions_list"))
    assert reverse("account_reauthenticate") in response["Location"]
    assert other.get(reverse("dashboard:index")).status_code == 200  # nothing ended yet
    reauthenticate(browser)
    response = browser.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert other.get(reverse("dashboard:index")).status_code == 302
    assert browser.get(reverse("dashboard:index")).status_code == 200


def test_it_ends_the_other_sessions_on_a_password_change(alice: Any) -> None:
    other = logged_in(agent=FIREFOX)
    browser = logged_in()
    response = browser.post(
        reverse("password_change"),
        {"oldpassword": PASSWORD, "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    assert browser.get(reverse("dashboard:index")).status_code == 200
    assert other.get(reverse("dashboard:index")).status_code == 302


def test_it_ends_the_other_sessions_when_a_second_factor_is_added(
    alice: Any,
    mailoutbox: list[Any],
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = logged_in(agent=FIREFOX)
    browser = logged_in()
    reauthenticate(browser)
    page = browser.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = post_committed(
        browser,
        django_capture_on_commit_callbacks,
        reverse("mfa_activate_totp"),
        {"code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type="totp").exists()
    # The owner is told by e-mail (from the Celery task, after the commit).
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert browser.get(reverse("dashboard:index")).status_code == 200
    assert other.get(reverse("dashboard:index")).status_code == 302


def test_it_ends_an_idle_session_after_the_idle_timeout(alice: Any, settings: Any) -> None:
    settings.ACCOUNTS_SESSION_IDLE_HOURS = 8
    settings.ACCOUNTS_SESSION_MAX_HOURS = 48
    browser = logged_in()
    now = time.time()
    with time_machine.travel(now + 7.9 * 3600, tick=False):
        assert browser.get(reverse("dashboard:index")).status_code == 200
    with time_machine.travel(now + 15 * 3600, tick=False):  # 7.1 h after the last use
        assert browser.get(reverse("dashboard:index")).status_code == 200
    with time_machine.travel(now + 23.5 * 3600, tick=False):  # 8.5 h idle
        assert browser.get(reverse("dashboard:index")).status_code == 302


def test_it_ends_every_session_after_its_absolute_lifetime(alice: Any, settings: Any) -> None:
    settings.ACCOUNTS_SESSION_IDLE_HOURS = 8
    settings.ACCOUNTS_SESSION_MAX_HOURS = 12
    browser = logged_in()
    now = time.time()
    for hour in (3, 6, 9, 11.9):  # busy all day: never idle
        with time_machine.travel(now + hour * 3600, tick=False):
            assert browser.get(reverse("dashboard:index")).status_code == 200, hour
    with time_machine.travel(now + 12.1 * 3600, tick=False):
        assert browser.get(reverse("dashboard:index")).status_code == 302


def test_it_keeps_the_login_by_username_or_email_in_the_backend(alice: Any, rf: Any) -> None:
    from django.contrib.auth import authenticate

    def request() -> Any:
        return rf.post("/accounts/login/")

    assert authenticate(request(), username="alice", password=PASSWORD) == alice
    assert authenticate(request(), email="ALICE@example.com", password=PASSWORD) == alice
    assert authenticate(request(), email="alice@example.com", password="wrong") is None


# --- More of ASVS V6 / V7 ------------------------------------------------------------------------


def test_it_accepts_a_totp_code_only_once(alice: Any) -> None:
    with_totp(alice)
    code = pyotp.TOTP(SECRET).now()
    first = Client()
    password_step(first)
    code_step(first, code)
    assert first.get(reverse("dashboard:index")).status_code == 200
    second = Client()
    password_step(second)
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert second.get(reverse("dashboard:index")).status_code == 302


def test_it_stores_second_factor_secrets_encrypted(alice: Any) -> None:
    with_totp(alice)
    stored = {a.type: a.data for a in Authenticator.objects.filter(user=alice)}
    assert SECRET not in str(stored["totp"])
    assert str(stored["totp"]["secret"]).startswith("fernet:")
    assert str(stored["recovery_codes"]["seed"]).startswith("fernet:")
    # ... and they still work.
    browser = Client()
    password_step(browser)
    code_step(browser, pyotp.TOTP(SECRET).now())
    assert browser.get(reverse("dashboard:index")).status_code == 200


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Kundenpflege2026!", False),
        ("crm-crm-crm-crm-2026", False),
        ("Passwort123456", False),
        ("x" * 3 + "Lantern-harbour-blue-97-" * 5, True),  # 123 characters: long is fine
        ("kurz", False),
        ("123456789012", False),
        ("password1234", False),
    ],
)
def test_it_checks_new_passwords_against_common_and_context_words(
    password: str, accepted: bool
) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_it_takes_a_long_password_exactly_as_typed(
    mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    long_password = " Lantern harbour blue 97 " * 4  # 100 characters, spaces at both ends
    browser = Client()
    post_committed(
        browser,
        django_capture_on_commit_callbacks,
        reverse("signup"),
        {"display_name": "Lang", "email": "lang@example.com", "password1": long_password},
    )
    EmailAddress.objects.filter(email="lang@example.com").update(verified=True)
    login = reverse("login")
    assert (
        Client()
        .post(login, {"login": "lang@example.com", "password": long_password.strip()})
        .status_code
        == 200
    )
    assert (
        Client().post(login, {"login": "lang@example.com", "password": long_password}).status_code
        == 302
    )


def test_it_still_asks_for_the_second_factor_after_a_password_reset(
    alice: Any, mailoutbox: list[Any], eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    with_totp(alice)
    post_committed(
        Client(),
        django_capture_on_commit_callbacks,
        reverse("password_reset"),
        {"email": "alice@example.com"},
    )
    browser = Client()
    page = browser.get(link_in(mailoutbox[0]), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link_in(mailoutbox[0])
    browser.post(form_url, {"password1": STRONG, "password2": STRONG})
    assert browser.get(reverse("dashboard:index")).status_code == 302  # not logged in by it
    response = browser.post(reverse("login"), {"login": "alice", "password": STRONG})
    assert response["Location"] == reverse("mfa_authenticate")


def test_it_gives_a_new_session_key_at_log_in_and_kills_it_at_log_out(alice: Any) -> None:
    from django.conf import settings as django_settings

    browser = Client()
    browser.get(reverse("login"))
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = "anonymous-session-key-0123456789"
    browser.post(reverse("login"), {"login": "alice", "password": PASSWORD})
    key = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert key != "anonymous-session-key-0123456789"
    assert browser.get(reverse("dashboard:index")).status_code == 200
    browser.post(reverse("logout"))
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("dashboard:index")).status_code == 302


def test_it_ends_the_sessions_of_a_deactivated_account(alice: Any) -> None:
    browser = logged_in()
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    assert browser.get(reverse("dashboard:index")).status_code == 302


def test_it_asks_for_the_password_before_an_e_mail_address_changes(alice: Any) -> None:
    browser = logged_in()
    response = browser.post(
        reverse("account_email"), {"action_add": "", "email": "neu@example.com"}
    )
    assert reverse("account_reauthenticate") in response["Location"]
    assert not EmailAddress.objects.filter(email="neu@example.com").exists()


def test_it_refuses_an_email_longer_than_a_username_can_be(
    eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    email = "a" * 140 + "@example.com"  # 152 characters: the username holds 150
    response = signup(Client(), django_capture_on_commit_callbacks, email)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email=email).exists()


def test_it_logs_out_by_post_only(alice: Any) -> None:
    browser = logged_in()
    assert browser.get(reverse("logout")).status_code == 200  # a confirmation page
    assert browser.get(reverse("dashboard:index")).status_code == 200
    assert browser.post(reverse("logout")).status_code == 302
    assert browser.get(reverse("dashboard:index")).status_code == 302


def test_it_reads_second_factor_secrets_through_the_old_key_after_a_rotation(
    alice: Any, settings: Any
) -> None:
    from accounts.adapter import MFAAdapter

    with_totp(alice)
    stored = Authenticator.objects.get(user=alice, type="totp").data["secret"]
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789abcdef"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert MFAAdapter().decrypt(stored) == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    from cryptography.fernet import InvalidToken

    with pytest.raises(InvalidToken):
        MFAAdapter().decrypt(stored)
