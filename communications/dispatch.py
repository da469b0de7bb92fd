"""The dispatcher: claim due messages atomically, send them over one connection, record it.

Delivery is at most once. A row is marked ``sending`` (committed) before anything goes to the
SMTP server; only an answer from the server decides what happens next:

* accepted          -> ``sent`` with ``sent_at`` and the Message-ID;
* refused / no connection before the hand-off -> back to ``scheduled`` with exponential backoff
  (``send_after`` in the database, never a Celery eta), after ``MAX_ATTEMPTS`` ``failed``;
* no answer (crash, kill, timeout after the data went out) -> the row stays ``sending``; the
  sweeper turns it ``uncertain`` after ``SENDING_TIMEOUT`` and nobody resends it automatically.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.mail import MailError, OutgoingMail, connection_open, mail_build, new_message_id

from .attachments import attachments_for
from .models import Message

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 5
BACKOFF_BASE = datetime.timedelta(minutes=2)
BACKOFF_MAX = datetime.timedelta(hours=6)


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
    sent_ids: list[int] = field(default_factory=list)


def messages_mark_uncertain(*, now: datetime.datetime) -> int:
    """Turn rows stuck in ``sending`` (a crash after the hand-off) into ``uncertain``.

    The conditional UPDATE only touches rows still ``sending`` and claimed before the cut-off, so
    a dispatcher that finishes a slow send at the same moment wins or loses cleanly: either it
    marks the row sent first (and this UPDATE skips it) or this UPDATE runs first and the late
    ``sent`` mark below is refused by its own status condition.
    """
    return Message.objects.filter(
        status=Message.Status.SENDING, claimed_at__lt=now - sending_timeout()
    ).update(
        status=Message.Status.UNCERTAIN,
        last_error=(
            "The send was interrupted after the message was handed to the mail server; it may "
            "or may not have arrived. Check with the client, then resend by hand if needed."
        ),
        updated_at=now,
    )


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
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return ids


SENT_FLUSH = 25


def _mark_sent(done: list[tuple[Message, str, datetime.datetime]]) -> int:
    """Record accepted messages as sent, in one UPDATE for a few of them.

    Marking in small groups is safe for at-most-once: a crash before the flush leaves those rows
    in ``sending``, and the sweeper makes them uncertain, never due again. The status filter
    refuses a late success for a row the sweeper already gave up on.
    """
    if not done:
        return 0
    rows = []
    for message, message_id, at in done:
        message.status = Message.Status.SENT
        message.sent_at = at
        message.message_id = message_id
        message.last_error = ""
        message.updated_at = at
        rows.append(message)
    Message.objects.filter(status=Message.Status.SENDING).bulk_update(
        rows, ["status", "sent_at", "message_id", "last_error", "updated_at"]
    )
    count = len(rows)
    done.clear()
    return count


def _mark_retry(message: Message, error: str, now: datetime.datetime) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED, last_error=error[:2000], updated_at=now
        )
        return "failed"
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.SCHEDULED,
        send_after=now + backoff(message.attempts),
        last_error=error[:2000],
        updated_at=now,
    )
    return "retried"


def _mark_held(message: Message, reason: str, now: datetime.datetime) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.HELD,
        held_reason=reason[:300],
        attempts=F("attempts") - 1,
        updated_at=now,
    )


def _build(message: Message) -> tuple[Any, str]:
    profile = message.owner.profile_or_default
    message_id = new_message_id()
    mail = OutgoingMail(
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        to=[address.strip() for address in message.to.split(",")],
        reply_to=profile.reply_address,
        attachments=attachments_for(message),
        message_id=message_id,
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
    result = DispatchResult(uncertain=messages_mark_uncertain(now=now))
    ids = messages_claim(now=now, limit=limit)
    result.claimed = len(ids)
    if not ids:
        return result
    messages = list(
        Message.objects.filter(pk__in=ids, status=Message.Status.SENDING)
        .select_related("owner__profile", "client")
        .order_by("send_after", "pk")
    )
    built: list[tuple[Message, Any, str]] = []
    for message in messages:
        if not message.to.strip():
            _mark_held(message, "The client has no e-mail address. Add one, then release it.", now)
            result.held += 1
            continue
        try:
            email, message_id = _build(message)
        except MailError as exc:
            _mark_held(message, str(exc), now)
            result.held += 1
            continue
        except Exception as exc:  # an attachment that cannot be rendered: retry, then fail
            logger.exception("Building message %s failed", message.pk)
            outcome = _mark_retry(message, f"Could not build the message: {exc}", now)
            setattr(result, outcome, getattr(result, outcome) + 1)
            continue
        built.append((message, email, message_id))
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
    accepted: list[tuple[Message, str, datetime.datetime]] = []
    try:
        for message, email, message_id in built:
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
                rest = built[built.index((message, email, message_id)) + 1 :]
                for other, _e, _m in rest:
                    Message.objects.filter(pk=other.pk, status=Message.Status.SENDING).update(
                        status=Message.Status.SCHEDULED, attempts=F("attempts") - 1
                    )
                break
            accepted.append((message, message_id, timezone.now()))
            result.sent_ids.append(message.pk)
            if len(accepted) >= SENT_FLUSH:
                result.sent += _mark_sent(accepted)
    finally:
        result.sent += _mark_sent(accepted)
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed", exc_info=True)
    return result
