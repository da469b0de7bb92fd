"""Services of the inbox: record a received mail once, sort it, keep the mailbox settings.

Cross-app effects go through the other apps' services: the timeline entry and what a reply does
to automatic messages through ``communications.replies``, a new contact through
``clients.services``.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from clients import services as client_services
from clients.models import Client
from communications import replies

from .blobs import blob_store, blobs_store
from .crypto import password_encrypt
from .imap import Account, ImapProblem, session
from .matching import Match, mails_match
from .models import Blob, InboundMail, MailAttachment, Mailbox
from .parsing import ParsedMail, auto_reply_line, mail_parse, reply_text

logger = logging.getLogger(__name__)

MB = 1024 * 1024


def attachment_limit() -> int:
    """Return the largest attachment kept, in bytes (INBOX_ATTACHMENT_MAX_MB)."""
    return int(float(getattr(settings, "INBOX_ATTACHMENT_MAX_MB", 10)) * MB)


def message_key(parsed: ParsedMail, raw: bytes) -> str:
    """Return the key a mail is recorded under once: its Message-ID, else a hash of the mail."""
    if parsed.message_id:
        return parsed.message_id[:300]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """One mail as the server handed it over."""

    raw: bytes
    uid: int | None = None
    uidvalidity: int | None = None
    received_at: datetime.datetime | None = None
    size: int = 0  # the size on the server (a header-only read has fewer bytes)
    headers_only: bool = False


def mail_record(*, mailbox: Mailbox, delivery: Delivery) -> tuple[InboundMail, bool]:
    """Record one received mail and apply it (timeline, held messages); return (mail, created).

    See ``mails_record``; safe to run twice.
    """
    return mails_record(mailbox=mailbox, deliveries=[delivery])[0]


def mails_record(*, mailbox: Mailbox, deliveries: list[Delivery]) -> list[tuple[InboundMail, bool]]:
    """Record received mails and apply them; return (mail, created) for each, in order.

    Safe to run twice: a mail already recorded for this mailbox (same Message-ID and the same
    sender, date and subject) is returned as it is. Two different mails that share a
    Message-ID (a broken sender) are both kept, the second under the ID plus its fingerprint.
    One transaction and a fixed number of queries for the whole batch: the mails, their files
    (stored once by content hash), the timeline entries and the messages they hold.
    """
    limit = attachment_limit()
    parsed = [
        mail_parse(delivery.raw, attachment_limit=limit, headers_only=delivery.headers_only)
        for delivery in deliveries
    ]
    for delivery, mail in zip(deliveries, parsed, strict=True):
        if delivery.headers_only:
            mail.notes.append({"code": "headers_only", "size": delivery.size})
    keys = [message_key(mail, d.raw) for mail, d in zip(parsed, deliveries, strict=True)]
    prints = [mail.fingerprint for mail in parsed]
    results: dict[int, tuple[InboundMail, bool]] = {}
    with transaction.atomic():
        candidates = {*keys, *(f"{k}#{f}"[:300] for k, f in zip(keys, prints, strict=True))}
        known: dict[str, InboundMail] = {
            mail.message_key: mail
            for mail in InboundMail.objects.filter(
                mailbox=mailbox, message_key__in=candidates
            ).only("pk", "message_key", "fingerprint", "status", "client_id")
        }
        fresh: dict[str, int] = {}  # key -> index of the first copy in this batch
        copies: dict[int, int] = {}  # index -> index of the first copy (the same mail twice)
        for index, (key, fingerprint) in enumerate(zip(keys, prints, strict=True)):
            alternative = f"{key}#{fingerprint}"[:300]
            same, other = known.get(key), known.get(alternative)
            if same is not None and same.fingerprint == fingerprint:
                results[index] = (same, False)
            elif other is not None:
                results[index] = (other, False)
            elif key in fresh:
                first = fresh[key]
                if prints[first] == fingerprint:
                    copies[index] = first
                elif alternative in fresh:
                    copies[index] = fresh[alternative]
                else:
                    keys[index] = alternative
                    fresh[alternative] = index
            else:
                if same is not None:  # a different mail under the same Message-ID
                    keys[index] = alternative
                fresh[keys[index]] = index
        order = sorted(fresh.values())
        recorded = _record_fresh(mailbox, [(deliveries[i], parsed[i], keys[i]) for i in order])
        results.update({index: (mail, True) for index, mail in zip(order, recorded, strict=True)})
    for index, first in copies.items():
        results[index] = (results[first][0], False)
    return [results[index] for index in range(len(deliveries))]


def _record_fresh(
    mailbox: Mailbox, items: list[tuple[Delivery, ParsedMail, str]]
) -> list[InboundMail]:
    """Store new mails in bulk: their blobs, matched to clients, on the timeline, attachments."""
    if not items:
        return []
    owner_id = mailbox.owner_id
    blobs = blobs_store(
        owner_id=owner_id,
        contents=[delivery.raw for delivery, _parsed, _key in items]
        + [
            attachment.content
            for _delivery, parsed, _key in items
            for attachment in parsed.attachments
            if attachment.content is not None
        ],
    )
    matches = mails_match(
        owner_id=owner_id,
        mails=[parsed for _delivery, parsed, _key in items],
        own_addresses=_own_addresses(mailbox),
    )
    now = timezone.now()
    mails = [
        _inbound_mail(
            mailbox,
            delivery,
            parsed,
            key=key,
            match=match,
            raw=blobs[hashlib.sha256(delivery.raw).hexdigest()],
            now=now,
        )
        for (delivery, parsed, key), match in zip(items, matches, strict=True)
    ]
    _timeline_record(mails, matches)
    InboundMail.objects.bulk_create(mails)
    MailAttachment.objects.bulk_create(
        [
            MailAttachment(
                mail=mail,
                filename=attachment.filename or "attachment",
                content_type=attachment.content_type,
                size=attachment.size,
                blob=(
                    blobs[hashlib.sha256(attachment.content).hexdigest()]
                    if attachment.content is not None
                    else None
                ),
            )
            for mail, (_delivery, parsed, _key) in zip(mails, items, strict=True)
            for attachment in parsed.attachments
        ]
    )
    return mails


def _inbound_mail(
    mailbox: Mailbox,
    delivery: Delivery,
    parsed: ParsedMail,
    *,
    key: str,
    match: Match,
    raw: Blob,
    now: datetime.datetime,
) -> InboundMail:
    """Return the (unsaved) row of a new mail, matched or waiting to be sorted."""
    return InboundMail(
        owner_id=mailbox.owner_id,
        mailbox=mailbox,
        message_key=key,
        fingerprint=parsed.fingerprint,
        uidvalidity=delivery.uidvalidity,
        uid=delivery.uid,
        message_id=parsed.message_id[:300],
        in_reply_to=" ".join(parsed.in_reply_to),
        references=" ".join(parsed.references),
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_addresses=", ".join(parsed.to),
        recipient_count=parsed.recipient_count,
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        received_at=delivery.received_at or now,
        text=parsed.text,
        reply_text=reply_text(parsed.text) if not parsed.automatic else "",
        html=parsed.html,
        automatic=parsed.automatic,
        status=InboundMail.Status.MATCHED if match.client else InboundMail.Status.TO_SORT,
        matched_by=match.by,
        client=match.client,
        answers=match.answers,
        raw=raw,
        raw_size=delivery.size or len(delivery.raw),
        headers_only=delivery.headers_only,
        notes=parsed.notes,
    )


def _timeline_record(mails: list[InboundMail], matches: list[Match]) -> None:
    """Put the matched mails on their clients' timelines (in bulk) and link each entry."""
    matched = [(mail, match) for mail, match in zip(mails, matches, strict=True) if match.client]
    activities = replies.replies_record(
        replies=[
            replies.Reply(
                client=match.client,
                occurred_at=mail.received_at,
                subject=mail.subject,
                text=_timeline_text(mail),
                is_automatic=mail.is_automatic,
                project=match.answers.project if match.answers is not None else None,
            )
            for mail, match in matched
            if match.client is not None
        ]
    )
    for (mail, _match), activity in zip(matched, activities, strict=True):
        mail.activity = activity


def _timeline_text(mail: InboundMail) -> str:
    return auto_reply_line(mail.text) if mail.is_automatic else (mail.reply_text or mail.text)


def mail_record_unreadable(*, mailbox: Mailbox, delivery: Delivery) -> tuple[InboundMail, bool]:
    """Keep a mail that could not be taken apart as its raw bytes, waiting to be sorted.

    The last resort of a fetch run (a mail the parser or the database refused), so that it is
    neither lost nor read again for ever. Safe to run twice (the hash of the mail is its key).
    """
    key = "sha256:" + hashlib.sha256(delivery.raw).hexdigest()
    existing = InboundMail.objects.filter(mailbox=mailbox, message_key=key).first()
    if existing is not None:
        return existing, False
    mail = InboundMail.objects.create(
        owner_id=mailbox.owner_id,
        mailbox=mailbox,
        message_key=key,
        uidvalidity=delivery.uidvalidity,
        uid=delivery.uid,
        received_at=delivery.received_at or timezone.now(),
        status=InboundMail.Status.TO_SORT,
        raw=blob_store(owner_id=mailbox.owner_id, content=delivery.raw),
        raw_size=delivery.size or len(delivery.raw),
        headers_only=delivery.headers_only,
        notes=[{"code": "unreadable"}],
    )
    return mail, True


def _own_addresses(mailbox: Mailbox) -> set[str]:
    owner = mailbox.owner
    profile = owner.profile_or_default
    return {address.lower() for address in (owner.email, profile.reply_to_email) if address}


def _apply(mail: InboundMail, match: Match) -> None:
    """Put ``mail`` on its client's timeline, as a reply or an auto-reply."""
    client = match.client
    if client is None:
        raise ValueError("A match without a client puts nothing on a timeline.")
    text = _timeline_text(mail)
    activity = replies.reply_record(
        client=client,
        occurred_at=mail.received_at,
        subject=mail.subject,
        text=text,
        is_automatic=mail.is_automatic,
        project=match.answers.project if match.answers is not None else None,
    )
    InboundMail.objects.filter(pk=mail.pk).update_of_owner(
        mail.owner_id,
        client=client,
        status=InboundMail.Status.MATCHED if match.by != "hand" else InboundMail.Status.ASSIGNED,
        matched_by=match.by,
        answers=match.answers,
        activity=activity,
        updated_at=timezone.now(),
    )
    mail.client, mail.matched_by, mail.answers, mail.activity = (
        client,
        match.by,
        match.answers,
        activity,
    )
    mail.status = (
        InboundMail.Status.ASSIGNED
        if match.by == InboundMail.MatchedBy.HAND
        else InboundMail.Status.MATCHED
    )


class SortError(ValueError):
    """The mail was sorted already (by another click, or matched meanwhile)."""


def mail_assign(*, mail: InboundMail, client: Client, add_contact: bool = False) -> InboundMail:
    """Sort a waiting mail to ``client``: timeline entry, held messages, maybe a new contact.

    Safe to run twice: the conditional UPDATE on status ``to_sort`` lets one click win; the
    second raises SortError.
    """
    if client.owner_id != mail.owner_id:
        raise SortError("Not your client.")
    with transaction.atomic():
        claimed = InboundMail.objects.filter(
            pk=mail.pk, status__in=[InboundMail.Status.TO_SORT, InboundMail.Status.DISMISSED]
        ).update_of_owner(mail.owner_id, status=InboundMail.Status.ASSIGNED)
        if not claimed:
            raise SortError("This mail was sorted already.")
        _apply(mail, Match(client=client, by=InboundMail.MatchedBy.HAND))
        if add_contact and mail.from_address:
            client_services.contact_add(client=client, email=mail.from_address, name=mail.from_name)
    return mail


def mail_dismiss(*, mail: InboundMail) -> InboundMail:
    """Take a mail that is from no client out of "Inbox to sort". Safe to run twice."""
    InboundMail.objects.filter(pk=mail.pk, status=InboundMail.Status.TO_SORT).update_of_owner(
        mail.owner_id, status=InboundMail.Status.DISMISSED, updated_at=timezone.now()
    )
    mail.refresh_from_db()
    return mail


# --- The mailbox ----------------------------------------------------------------------------

CURSOR_FIELDS = ("host", "port", "username", "folder")


def mailbox_save(*, owner: Any, data: dict[str, Any], password: str = "") -> Mailbox:
    """Create or change the freelancer's mailbox; a new server or folder starts a new cursor.

    ``password`` empty keeps the stored one. Safe to run twice.
    """
    mailbox = Mailbox.objects.filter(owner=owner).first() or Mailbox(owner=owner)
    moved = mailbox.pk is None or any(
        str(getattr(mailbox, name)) != str(data[name]) for name in CURSOR_FIELDS if name in data
    )
    for name, value in data.items():
        setattr(mailbox, name, value)
    if password:
        mailbox.password_token = password_encrypt(password)
    if moved:
        # Another folder (or server) numbers its mail on its own: read it from the start.
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    if password or moved:
        mailbox.last_error_code, mailbox.last_error_detail, mailbox.last_error_at = "", "", None
    mailbox.save()
    return mailbox


@dataclass
class TestResult:
    ok: bool
    messages: int = 0
    problem: ImapProblem | None = None


def mailbox_test(*, account: Account) -> TestResult:
    """Log in and open the folder with these settings; nothing is read or stored."""
    try:
        with session(account) as opened:
            return TestResult(ok=True, messages=opened.exists)
    except ImapProblem as problem:
        return TestResult(ok=False, problem=problem)


def mailbox_record_cursor(
    *, mailbox: Mailbox, token: str, uidvalidity: int, last_uid: int, read: int
) -> bool:
    """Move the mailbox's cursor forward, only while this run still holds the claim."""
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk, fetch_token=token).update_of_owner(
            mailbox.owner_id,
            uidvalidity=uidvalidity,
            last_uid=Greatest(F("last_uid"), last_uid),
            mails_read=F("mails_read") + read,
        )
    )
