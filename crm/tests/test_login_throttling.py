"""django-axes with the e-mail-or-username backend: ten wrong passwords lock username + IP."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from crm.backends import axes_username, client_ip

PASSWORD = "correct horse 42"


def attempt(client, username, password="wrong", ip="203.0.113.7", **headers):
    return client.post(
        reverse("login"), {"login": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def test_it_locks_the_account_after_ten_wrong_passwords(client, alice):
    for _ in range(9):
        assert attempt(client, "alice").status_code == 200

    response = attempt(client, "alice")

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "30 minutes" in response.content.decode()
    assert "text/html" in response["Content-Type"]
    # Locked: even the right password is refused now.
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_it_counts_email_and_username_spellings_as_one_account(client, alice):
    spellings = ["alice", "alice@example.com", "ALICE@example.com", " Alice@Example.com "]
    for number in range(9):
        assert attempt(client, spellings[number % len(spellings)]).status_code == 200

    assert attempt(client, "alice@EXAMPLE.com").status_code == 429
    assert attempt(client, "alice", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "alice"


def test_it_locks_only_that_username_from_that_ip(client, alice, bob):
    for _ in range(10):
        attempt(client, "alice")

    other_ip = attempt(client, "alice", PASSWORD, ip="198.51.100.1")
    assert other_ip.status_code == 302
    client.post(reverse("logout"))
    other_user = attempt(client, "bob", PASSWORD)
    assert other_user.status_code == 302


def test_it_lets_the_user_in_again_after_the_cool_off(client, alice):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)) as clock:
        for _ in range(10):
            attempt(client, "alice")
        assert attempt(client, "alice", PASSWORD).status_code == 429

        clock.shift(datetime.timedelta(minutes=29))
        # Still locked; and trying while locked counts, so the 30 minutes start again.
        assert attempt(client, "alice", PASSWORD).status_code == 429

        clock.shift(datetime.timedelta(minutes=31))
        response = attempt(client, "alice", PASSWORD)

        assert response.status_code == 302
        # Inside the travelled time: the session lives ACCOUNTS_SESSION_MAX_HOURS from then.
        assert client.session[SESSION_KEY] == str(alice.pk)


def test_it_resets_the_count_after_a_successful_login(client, alice):
    for _ in range(9):
        attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    for _ in range(9):
        assert attempt(client, "alice").status_code == 200


def test_it_throttles_unknown_usernames_too(client, db):
    for _ in range(10):
        response = attempt(client, "Nobody@Example.com")

    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == "nobody@example.com"


def test_it_uses_the_proxy_appended_address_behind_a_proxy(client, alice, settings):
    settings.BEHIND_PROXY = True
    for number in range(10):
        # The client forges the left part; the proxy (REMOTE_ADDR) appends the real address.
        response = attempt(
            client,
            "alice",
            ip="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.9",
        )

    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    # Another real client behind the same proxy is not locked out.
    response = attempt(
        client, "alice", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_ignores_forwarded_for_without_a_proxy(rf, settings):
    settings.BEHIND_PROXY = False
    request = rf.post("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.1")

    assert client_ip(request) == "203.0.113.5"


def test_it_normalises_the_axes_username(rf, alice):
    assert axes_username(None, {"username": "ALICE@example.com"}) == "alice"
    assert axes_username(rf.post("/", {"login": " alice "}), None) == "alice"
    assert axes_username(None, {"username": "Stranger"}) == "stranger"
    assert axes_username(None, {}) == ""
