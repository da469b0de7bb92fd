"""The dispatcher: claim due messages atomically, send them over one connection, record it.

Delivery is at most once. A row is marked ``sending`` (committed) before anything goes to the
SMTP server; only an answer from the server decides what happens next:

* accepted          -> ``sent`` with ``sent_at`` and the Message-ID;
* refused / no connection before the hand-off -> back to ``scheduled`` with exponential backoff
  (``send_after`` in the database, never a Celery eta), after ``MAX_ATTEMPTS`` ``failed``;
* no answer (crash, kill, timeout after the data went out) -> the row stays ``sending``; the
  sweeper turns it ``uncertain`` after ``SENDING_TIMEOUT`` and nobody resends it automatically.

A claim covers up to ``BATCH_SIZE`` rows, but only one at a time is *handed off*: ``handed_at``
is committed right before that message goes to the server, in the same commit that records the
previous one as sent. A crash (a killed worker, a lost database) therefore leaves at most one
row per dispatcher that may have gone out; the sweeper makes that one uncertain and puts the
rest of the claim, which never reached the server, back to ``scheduled``.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.mail import MailError, OutgoingMail, connection_open, mail_build, new_message_id
from crm.pdf import DocumentError
from crm.senders import sender_for

from . import holds, replies
from .attachments import attachments_for
from .limits import SendBudget
from .models import Message
from .outbox import held_reason_for

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 5
BACKOFF_BASE = datetime.timedelta(minutes=2)
BACKOFF_MAX = datetime.timedelta(hours=6)


# Stored on uncertain rows (logs, admin); the pages show a translated text instead.
UNCERTAIN_REASON = (
    "The send was interrupted after the message was handed to the mail server; it may or may "
    "not have arrived. Check with the client, then resend by hand if needed."
)


def sending_timeout() -> datetime.timedelta:
    """Return how long a row may stay ``sending`` before it is called uncertain."""
    seconds = getattr(settings, "COMMS_SENDING_TIMEOUT", 15 * 60)
    return datetime.timedelta(seconds=seconds)


def backoff(attempts: int) -> datetime.timedelta:
    """Return the wait before attempt ``attempts + 1`` (2, 4, 8 ... minutes, at most 6 hours)."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    uncertain: int = 0
    requeued: int = 0


def messages_mark_uncertain(*, now: datetime.datetime) -> tuple[int, int]:
    """Sweep rows stuck in ``sending`` (a crashed dispatcher); return (uncertain, requeued).

    Handed off (``handed_at`` set): the data may have reached the server, so the row becomes
    ``uncertain`` and is never resent automatically. Never handed off: nothing went out, so it
    goes back to ``scheduled`` (the claim's attempt is not counted).

    Both UPDATEs are conditional on the row still being ``sending`` and claimed before the
    cut-off, so a dispatcher that is merely slow wins or loses cleanly: it records a send first
    (this sweep skips the row), or this sweep runs first and the dispatcher's own conditional
    UPDATEs (the hand-off checks ``claimed_at``, the ``sent`` mark checks the status) refuse to
    touch a row it no longer owns. PostgreSQL re-checks the WHERE clause of a row it had to wait
    for, so a hand-off committed during the sweep moves the row to the uncertain side.
    """
    stale = Message.objects.filter(
        status=Message.Status.SENDING, claimed_at__lt=now - sending_timeout()
    )
    requeued = stale.filter(handed_at__isnull=True).update(
        status=Message.Status.SCHEDULED, attempts=F("attempts") - 1, updated_at=now
    )
    uncertain = stale.filter(handed_at__isnull=False).update(
        status=Message.Status.UNCERTAIN,
        last_error=UNCERTAIN_REASON,
        updated_at=now,
    )
    return uncertain, requeued


def messages_claim(*, now: datetime.datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due messages for this dispatcher; return their ids.

    Race prevented: two dispatchers (two workers, or an overlapping beat run) selecting the same
    due row. ``SELECT ... FOR UPDATE SKIP LOCKED`` makes the second one skip rows the first has
    locked, and the status flip to ``sending`` inside the same transaction means that once the
    lock is released no other sweep sees the row as due. On SQLite (no row locks) the conditional
    UPDATE's status check is the guard: the database serialises writers.
    """
    with transaction.atomic():
        ids = list(
            Message.objects.due(now)
            .order_by("send_after", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Message.objects.filter(pk__in=ids, status=Message.Status.SCHEDULED).update(
            status=Message.Status.SENDING,
            claimed_at=now,
            handed_at=None,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return ids


@dataclass
class Accepted:
    """A message the server accepted, not yet recorded as sent."""

    message: Message
    message_id: str
    at: datetime.datetime


def _mark_sent(accepted: Accepted | None) -> int:
    """Record an accepted message as sent (only while it is still ``sending``)."""
    if accepted is None:
        return 0
    return Message.objects.filter(
        pk=accepted.message.pk, status=Message.Status.SENDING
    ).update_of_owner(
        accepted.message.owner_id,
        status=Message.Status.SENT,
        sent_at=accepted.at,
        message_id=accepted.message_id,
        last_error="",
        updated_at=accepted.at,
    )


def _hand_off(
    message: Message, claimed_at: datetime.datetime, previous: Accepted | None
) -> tuple[bool, int]:
    """Record ``previous`` as sent and ``message`` as handed off, in one commit.

    Returns whether ``message`` is still this dispatcher's, and how many rows were marked sent.
    It is not when a stall longer than the sending timeout let the sweeper requeue it, and
    another dispatcher may have claimed it since (with a later ``claimed_at``, which is why the
    claim time is part of the condition). Race prevented: two dispatchers both sending a row
    that one of them claimed long ago.
    """
    with transaction.atomic():
        sent = _mark_sent(previous)
        owned = Message.objects.filter(
            pk=message.pk, status=Message.Status.SENDING, claimed_at=claimed_at
        ).update_of_owner(message.owner_id, handed_at=timezone.now())
    return bool(owned), sent


def _mark_retry(message: Message, error: str, now: datetime.datetime) -> str:
    # Refused or never connected: nothing went out, so the row is no longer handed off.
    if message.attempts >= MAX_ATTEMPTS:
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update_of_owner(
            message.owner_id,
            status=Message.Status.FAILED,
            handed_at=None,
            last_error=error[:2000],
            updated_at=now,
        )
        return "failed"
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update_of_owner(
        message.owner_id,
        status=Message.Status.SCHEDULED,
        send_after=now + backoff(message.attempts),
        handed_at=None,
        last_error=error[:2000],
        updated_at=now,
    )
    return "retried"


def _mark_held(message: Message, reason: str, now: datetime.datetime) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update_of_owner(
        message.owner_id,
        status=Message.Status.HELD,
        held_reason=reason[:300],
        held_from=Message.Status.SCHEDULED,
        attempts=F("attempts") - 1,
        updated_at=now,
    )


def _document_held_reason(message: Message, error: DocumentError) -> str:
    with translation.override(message.owner.profile_or_default.language):
        return _(
            "%(document)s could not be built, so the mail was not sent without it. "
            "Open the document in the app to see what to do."
        ) % {"document": error}


def _build(message: Message) -> tuple[Any, str]:
    sender = sender_for(message.owner.profile_or_default)
    message_id = new_message_id(sender.msgid_domain)
    mail = OutgoingMail(
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        to=[address.strip() for address in message.to.split(",")],
        reply_to=sender.reply_to,
        attachments=attachments_for(message),
        message_id=message_id,
        from_email=sender.from_email,
        time_zone=sender.time_zone,
    )
    return mail_build(mail), message_id


# Errors where the server (or the network before any data) said no: nothing was handed off.
REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


def messages_dispatch(
    *, now: datetime.datetime | None = None, limit: int = BATCH_SIZE
) -> DispatchResult:
    """Send every due scheduled message once; safe to run twice and from several workers."""
    now = now or timezone.now()
    uncertain, requeued = messages_mark_uncertain(now=now)
    result = DispatchResult(uncertain=uncertain, requeued=requeued)
    ids = messages_claim(now=now, limit=limit)
    result.claimed = len(ids)
    if not ids:
        return result
    messages = list(
        Message.objects.filter(pk__in=ids, status=Message.Status.SENDING)
        .select_related("owner__profile", "client")
        .order_by("send_after", "pk")
    )
    # A client who wrote since the message was planned gets no automatic message unseen.
    held_by_replies = replies.messages_hold_before_sending(messages, now=now)
    # Nothing automatic goes to a paused client, however it was scheduled (holds.py).
    held_by_pause = holds.messages_hold_paused_before_sending(
        [message for message in messages if message.pk not in held_by_replies], now=now
    )
    result.held += len(held_by_replies) + len(held_by_pause)
    messages = [
        message
        for message in messages
        if message.pk not in held_by_replies and message.pk not in held_by_pause
    ]
    built = _build_all(messages, result, now)
    if not built:
        return result
    try:
        connection = connection_open()
    except (OSError, smtplib.SMTPException) as exc:
        # No connection: nothing was handed off, every claimed row may be retried.
        for message, _email, _message_id in built:
            outcome = _mark_retry(message, f"Could not connect to the mail server: {exc}", now)
            setattr(result, outcome, getattr(result, outcome) + 1)
        return result
    _send_all(connection, built, result, now)
    return result


Built = tuple[Message, Any, str]  # the row, its e-mail, its Message-ID


def _build_all(
    messages: list[Message], result: DispatchResult, now: datetime.datetime
) -> list[Built]:
    """Build the e-mail of each claimed row; hold or retry (and count) those that cannot be."""
    built: list[Built] = []
    budget = SendBudget(now=now)
    for message in messages:
        # An unconfirmed account address or a sending quota reached holds the message, as does
        # a client without an address.
        held_reason = budget.block_reason(message.owner) or held_reason_for(
            message.to, language=message.owner.profile_or_default.language
        )
        if held_reason:
            _mark_held(message, held_reason, now)
            result.held += 1
            continue
        try:
            email, message_id = _build(message)
        except MailError as exc:
            _mark_held(message, str(exc), now)
            result.held += 1
            continue
        except DocumentError as exc:  # an attachment whose data cannot be built: no retry helps
            _mark_held(message, _document_held_reason(message, exc), now)
            result.held += 1
            continue
        except Exception as exc:  # an attachment that cannot be rendered: retry, then fail
            logger.exception("Building message %s failed", message.pk)
            outcome = _mark_retry(message, f"Could not build the message: {exc}", now)
            setattr(result, outcome, getattr(result, outcome) + 1)
            continue
        built.append((message, email, message_id))
    return built


def _send_all(
    connection: Any, built: list[Built], result: DispatchResult, now: datetime.datetime
) -> None:
    """Hand the built e-mails to the server one by one over ``connection``, recording each.

    Each row is marked handed off (and the one before it sent) in one commit right before it
    goes out, so a crash leaves at most one row that may have arrived (see the module docstring).
    """
    accepted: Accepted | None = None
    try:
        for position, (message, email, message_id) in enumerate(built):
            owned, recorded = _hand_off(message, now, accepted)
            result.sent += recorded
            accepted = None
            if not owned:
                continue
            try:
                connection.send_messages([email])
            except REFUSED as exc:
                outcome = _mark_retry(message, f"The mail server refused the message: {exc}", now)
                setattr(result, outcome, getattr(result, outcome) + 1)
                continue
            except (OSError, smtplib.SMTPException):
                # The data may have reached the server: leave this row in "sending" (the sweeper
                # makes it uncertain) and stop; the rest of the batch goes back to scheduled.
                logger.exception("Lost the mail server while sending message %s", message.pk)
                for other, _email, _message_id in built[position + 1 :]:
                    Message.objects.filter(
                        pk=other.pk, status=Message.Status.SENDING, claimed_at=now
                    ).update(status=Message.Status.SCHEDULED, attempts=F("attempts") - 1)
                break
            accepted = Accepted(message, message_id, timezone.now())
    finally:
        result.sent += _mark_sent(accepted)
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed", exc_info=True)
