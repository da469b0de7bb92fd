from __future__ import annotations

import datetime
import smtplib
from typing import Any
from unittest import mock

import pytest
from django.core import mail

from clients.models import Client
from communications.dispatch import (
    MAX_ATTEMPTS,
    _hand_off,
    messages_claim,
    messages_dispatch,
    messages_mark_uncertain,
)
from communications.models import Message

from .conftest import NOW
from .factories import MessageFactory


def scheduled(client: Client, **extra: Any) -> Message:
    return MessageFactory(client=client, status=Message.Status.SCHEDULED, send_after=NOW, **extra)


def test_it_sends_due_messages_once_with_reply_to_and_message_id(
    acme: Client, mailoutbox: list[Any]
) -> None:
    message = scheduled(acme, body_html="<p>Hallo</p>")
    MessageFactory(
        client=acme, status=Message.Status.SCHEDULED, send_after=NOW + datetime.timedelta(hours=1)
    )
    MessageFactory(client=acme, status=Message.Status.DRAFT)
    result = messages_dispatch(now=NOW)
    assert result.sent == 1
    assert messages_dispatch(now=NOW).sent == 0
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["info@acme.example"]
    assert sent.reply_to == ["alice@example.com"]
    assert sent.alternatives[0][1] == "text/html"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    assert message.message_id == sent.extra_headers["Message-ID"]
    # SITE_URL is an IP address in tests, so the domain of DEFAULT_FROM_EMAIL (crm@localhost).
    assert message.message_id.endswith("@localhost>")


def test_it_holds_a_message_without_recipient(acme: Client, mailoutbox: list[Any]) -> None:
    message = scheduled(acme, to="")
    assert messages_dispatch(now=NOW).held == 1
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert "no e-mail address" in message.held_reason
    assert mailoutbox == []


def test_it_holds_a_message_when_the_reply_to_is_invalid(
    alice: Any, acme: Client, mailoutbox: list[Any]
) -> None:
    alice.profile.reply_to_email = "not an address"
    alice.profile.save()
    message = scheduled(acme)
    messages_dispatch(now=NOW)
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert "not a valid e-mail address" in message.held_reason


def test_it_retries_a_refused_message_with_backoff_then_fails(acme: Client) -> None:
    message = scheduled(acme)
    refused = smtplib.SMTPRecipientsRefused({"info@acme.example": (550, b"no such user")})
    now = NOW
    with mock.patch.object(mail.backends.locmem.EmailBackend, "send_messages", side_effect=refused):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            messages_dispatch(now=now)
            message.refresh_from_db()
            assert message.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert message.status == Message.Status.SCHEDULED
                assert message.send_after == now + datetime.timedelta(
                    minutes=2 * 2 ** (attempt - 1)
                )
                now = message.send_after
    assert message.status == Message.Status.FAILED
    assert "550" in message.last_error


def test_it_retries_when_the_server_cannot_be_reached(acme: Client) -> None:
    message = scheduled(acme)
    with mock.patch.object(
        mail.backends.locmem.EmailBackend, "open", side_effect=ConnectionRefusedError("refused")
    ):
        messages_dispatch(now=NOW)
    message.refresh_from_db()
    assert message.status == Message.Status.SCHEDULED
    assert "Could not connect" in message.last_error


def test_it_leaves_a_lost_connection_uncertain_and_never_resends(
    acme: Client, settings: Any, mailoutbox: list[Any]
) -> None:
    message = scheduled(acme)
    other = scheduled(acme)
    with mock.patch.object(
        mail.backends.locmem.EmailBackend,
        "send_messages",
        side_effect=smtplib.SMTPServerDisconnected("gone"),
    ):
        messages_dispatch(now=NOW)
    message.refresh_from_db()
    other.refresh_from_db()
    assert {message.status, other.status} == {Message.Status.SENDING, Message.Status.SCHEDULED}
    stuck = message if message.status == Message.Status.SENDING else other
    later = NOW + datetime.timedelta(minutes=16)
    result = messages_dispatch(now=later)
    stuck.refresh_from_db()
    assert result.uncertain == 1
    assert stuck.status == Message.Status.UNCERTAIN
    messages_dispatch(now=later + datetime.timedelta(days=1))
    stuck.refresh_from_db()
    assert stuck.status == Message.Status.UNCERTAIN
    assert [m.subject for m in mailoutbox] == [(other if stuck is message else message).subject]


def test_it_caps_the_batch(acme: Client) -> None:
    for _ in range(5):
        scheduled(acme)
    assert messages_dispatch(now=NOW, limit=2).sent == 2
    assert Message.objects.filter(status=Message.Status.SCHEDULED).count() == 3


@pytest.mark.parametrize("status", ["draft", "sent", "cancelled", "failed", "uncertain", "held"])
def test_it_only_claims_scheduled_rows(acme: Client, status: str) -> None:
    MessageFactory(client=acme, status=status, send_after=NOW)
    assert messages_dispatch(now=NOW).claimed == 0


class WorkerKilled(BaseException):
    """The injected fault: the process dies at this point (nothing of the dispatcher runs on)."""


def test_it_leaves_only_the_message_in_flight_uncertain_when_the_dispatcher_dies(
    acme: Client, mailoutbox: list[Any]
) -> None:
    messages = [scheduled(acme, subject=f"Nachricht {n}") for n in range(6)]
    original = mail.backends.locmem.EmailBackend.send_messages
    calls = []

    def die_on_the_third(self: Any, batch: Any) -> int:
        calls.append(batch)
        if len(calls) == 3:
            raise WorkerKilled  # the data of the third message may or may not have gone out
        return original(self, batch)

    with (
        mock.patch.object(mail.backends.locmem.EmailBackend, "send_messages", die_on_the_third),
        pytest.raises(WorkerKilled),
    ):
        messages_dispatch(now=NOW)

    result = messages_dispatch(now=NOW + datetime.timedelta(minutes=16))  # the sweep, and sends

    statuses = [Message.objects.get(pk=message.pk).status for message in messages]
    ordered = sorted(messages, key=lambda message: message.pk)
    in_flight = ordered[2]
    assert Message.objects.get(pk=in_flight.pk).status == Message.Status.UNCERTAIN
    assert (result.uncertain, result.requeued, result.sent) == (1, 3, 3)
    assert statuses.count(Message.Status.SENT) == 5
    subjects = [email.subject for email in mailoutbox]
    assert len(subjects) == len(set(subjects)) == 5
    assert in_flight.subject not in subjects


def test_it_requeues_a_claim_that_never_reached_the_server(
    acme: Client, mailoutbox: list[Any]
) -> None:
    message = scheduled(acme)
    assert messages_claim(now=NOW) == [message.pk]  # then the worker died: nothing handed off

    result = messages_dispatch(now=NOW + datetime.timedelta(minutes=16))

    message.refresh_from_db()
    assert (result.requeued, result.uncertain, result.sent) == (1, 0, 1)
    assert message.status == Message.Status.SENT
    assert message.attempts == 1  # the abandoned claim was not an attempt
    assert len(mailoutbox) == 1


def test_it_lets_a_stalled_dispatcher_send_nothing_it_no_longer_owns(acme: Client) -> None:
    message = scheduled(acme)
    stalled_at = NOW
    messages_claim(now=stalled_at)  # dispatcher A claims, then stalls past the timeout
    later = NOW + datetime.timedelta(minutes=16)
    assert messages_mark_uncertain(now=later) == (0, 1)
    assert messages_claim(now=later) == [message.pk]  # dispatcher B claims it again

    owned, recorded = _hand_off(message, stalled_at, None)  # A wakes up

    assert (owned, recorded) == (False, 0)
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING
    assert message.handed_at is None  # B still owns it and hands it off itself
