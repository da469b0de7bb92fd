"""Sending as yourself: who client mail comes from, the confirmation link, the headers."""

from __future__ import annotations

import datetime
from email import message_from_bytes
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communications.dispatch import messages_dispatch
from communications.models import Message
from crm import senders
from crm.testing import assert_login_required, client_for
from tests.factories import make_client, make_message

pytestmark = pytest.mark.django_db

WINTER = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def operator(settings: Any) -> Any:
    settings.DEFAULT_FROM_EMAIL = "Kundenpflege <mail@kundenpflege.example>"
    settings.SITE_URL = "https://crm.kundenpflege.example"
    return settings


def verified(user: Any, address: str) -> Any:
    profile = user.profile
    profile.sender_email = address
    profile.sender_verified_at = timezone.now()
    profile.save()
    return profile


def sent_headers(alice: Any, mailoutbox: list[Any]) -> Any:
    message = make_message(make_client(alice), status=Message.Status.SCHEDULED)
    message.send_after = timezone.now()
    message.save()
    result = messages_dispatch(now=timezone.now() + datetime.timedelta(seconds=1))
    assert result.sent == 1
    return message_from_bytes(mailoutbox[-1].message().as_bytes())


@time_machine.travel(WINTER, tick=False)
def test_it_sends_from_the_operator_under_the_freelancers_name(
    alice: Any, operator: Any, mailoutbox: list[Any]
) -> None:
    headers = sent_headers(alice, mailoutbox)
    assert headers["From"] == '"Alice" <mail@kundenpflege.example>'
    assert headers["Reply-To"] == "alice@example.com"
    assert headers["Message-ID"].endswith("@crm.kundenpflege.example>")
    # Berlin is UTC+1 in December: the Date says so instead of -0000.
    assert headers["Date"] == "Tue, 01 Dec 2026 10:30:00 +0100"


@time_machine.travel(WINTER, tick=False)
def test_it_sends_from_a_confirmed_own_address_when_the_installation_allows(
    alice: Any, operator: Any, mailoutbox: list[Any]
) -> None:
    operator.CLIENT_MAIL_FROM = "freelancer"
    profile = verified(alice, "anna@weber-design.example")
    profile.display_name = "Anna Weber, Weber Design"
    profile.time_zone = "America/New_York"
    profile.save()
    headers = sent_headers(alice, mailoutbox)
    assert headers["From"] == '"Anna Weber, Weber Design" <anna@weber-design.example>'
    assert headers["Reply-To"] == "alice@example.com"
    assert headers["Message-ID"].endswith("@weber-design.example>")
    assert headers["Date"] == "Tue, 01 Dec 2026 04:30:00 -0500"
    assert mailoutbox[-1].from_email == '"Anna Weber, Weber Design" <anna@weber-design.example>'


@pytest.mark.parametrize(
    ("mode", "confirmed", "domains", "own"),
    [
        ("operator", True, [], False),  # the installation never sends as freelancers
        ("freelancer", False, [], False),  # not confirmed yet
        ("freelancer", True, [], True),
        ("freelancer", True, ["weber-design.example"], True),
        ("freelancer", True, ["other.example"], False),  # the server may not send for it
    ],
)
def test_it_falls_back_to_the_operator_address_until_allowed(
    alice: Any, operator: Any, mode: str, confirmed: bool, domains: list[str], own: bool
) -> None:
    operator.CLIENT_MAIL_FROM = mode
    operator.CLIENT_MAIL_FROM_DOMAINS = domains
    profile = verified(alice, "anna@weber-design.example")
    if not confirmed:
        profile.sender_verified_at = None
    sender = senders.sender_for(profile)
    assert sender.own_address is own
    expected = "anna@weber-design.example" if own else "mail@kundenpflege.example"
    assert sender.from_email.endswith(f"<{expected}>")
    assert sender.reply_to == "alice@example.com"


def test_it_confirms_an_address_through_the_mailed_link(
    alice: Any,
    operator: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    operator.CLIENT_MAIL_FROM = "freelancer"
    from django.core.cache import cache

    cache.delete(f"sender-confirmation:{alice.pk}")
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("crm:sender_address"), {"sender-sender_email": "anna@weber-design.example"}
        )
    assert response.url == reverse("crm:profile")
    (mail,) = mailoutbox
    assert mail.to == ["anna@weber-design.example"]
    link = next(line for line in mail.body.splitlines() if line.startswith("https://"))
    path = link.removeprefix("https://crm.kundenpflege.example")
    page = client_for(None).get(path)  # the link works without logging in
    assert "Yes, this is my address" in page.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.sender_verified_at is None  # a GET (a mail scanner) changes nothing
    done = client_for(None).post(path)
    assert "is confirmed" in done.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.sender_verified_at is not None
    settings_page = client.get(reverse("crm:profile")).content.decode()
    assert "&quot;Alice&quot; &lt;anna@weber-design.example&gt;" in settings_page


def test_a_changed_address_needs_a_new_confirmation(alice: Any, operator: Any) -> None:
    profile = verified(alice, "anna@weber-design.example")
    old_token = senders.sender_token(profile)
    assert senders.sender_address_set(profile=profile, address="anna@neu.example") is True
    assert profile.sender_verified_at is None
    response = client_for(None).get(reverse("crm:sender_verify", args=[old_token]))
    assert response.status_code == 400
    # The same address again keeps its state (safe to run twice).
    assert senders.sender_address_set(profile=profile, address="ANNA@neu.example") is True


def test_the_confirmed_account_address_needs_no_second_link(
    alice: Any,
    operator: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    """One proof per address: the address confirmed at sign-up is the sender at once."""
    from allauth.account.models import EmailAddress

    operator.CLIENT_MAIL_FROM = "freelancer"
    EmailAddress.objects.update_or_create(
        user=alice, email=alice.email, defaults={"verified": True, "primary": True}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            reverse("crm:sender_address"), {"sender-sender_email": alice.email.upper()}
        )
    assert response.status_code == 302
    assert mailoutbox == []
    alice.profile.refresh_from_db()
    assert alice.profile.sender_verified_at is not None
    assert senders.sender_for(alice.profile).own_address


def test_a_link_expires_after_three_days(alice: Any, operator: Any) -> None:
    profile = verified(alice, "anna@weber-design.example")
    profile.sender_verified_at = None
    profile.save()
    token = senders.sender_token(profile)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=4)):
        response = client_for(None).post(reverse("crm:sender_verify", args=[token]))
    assert response.status_code == 400
    profile.refresh_from_db()
    assert profile.sender_verified_at is None
    forged = client_for(None).get(reverse("crm:sender_verify", args=["abc:def"]))
    assert forged.status_code == 400


def test_setting_the_address_needs_a_login(db: None) -> None:
    response = client_for(None).post(reverse("crm:sender_address"), {})
    assert_login_required(response, reverse("crm:sender_address"))


def test_it_refuses_an_invalid_address_with_a_message(alice: Any) -> None:
    response = client_for(alice).post(
        reverse("crm:sender_address"), {"sender-sender_email": "no address"}, follow=True
    )
    assert "not a valid e-mail address" in response.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.sender_email == ""


def test_it_sends_at_most_one_link_in_two_minutes(
    alice: Any,
    operator: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    from django.core.cache import cache

    cache.delete(f"sender-confirmation:{alice.pk}")
    client = client_for(alice)
    url = reverse("crm:sender_address")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"sender-sender_email": "anna@weber-design.example"})
        again = client.post(
            url, {"sender-sender_email": "anna@weber-design.example", "resend": "1"}, follow=True
        )
    assert len(mailoutbox) == 1
    assert "A link went out a moment ago" in again.content.decode()
    cache.delete(f"sender-confirmation:{alice.pk}")
