"""Fetch new mail: claim the mailbox, read what is new since the cursor, record each mail once.

At-least-once fetch, exactly-once record:

* The cursor is (UIDVALIDITY, last UID). It moves forward in the same transaction that records
  a mail, so a run killed at any point leaves a cursor that points before every mail it did not
  record; the next run reads those again.
* A mail read twice (a crash between reading and recording, a renumbered folder, two runs) is
  recorded once: the unique (mailbox, Message-ID) constraint (``services.mail_record``).
* A changed UIDVALIDITY means the server renumbered the folder: every old UID is meaningless.
  The folder is read again from the start, first only the Message-ID of each mail, so that only
  mail not recorded yet is downloaded. The settings page says when that happened.

Two claims keep overlapping runs (a slow run and the next beat, two workers, a manual "fetch
now") apart:

* ``mailbox_claim``, a conditional UPDATE that takes the mailbox only if nobody holds an
  unexpired lease, and writes a token of its own. Race prevented: two runs reading the same new
  UIDs at once (double downloads, interleaved timeline entries).
* Every cursor move is conditional on that token (``services.mailbox_record_cursor``). Race
  prevented: a run that stalled past its lease (the next run took over) moving the cursor or
  recording on after it lost the claim; it stops at its next mail instead.

The lease outlives the task's hard time limit, so a killed worker's claim ends by itself.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import imap
from .crypto import PasswordUnreadable, password_decrypt
from .imap import Account, ImapProblem
from .models import InboundMail, Mailbox
from .parsing import message_ids
from .services import (
    Delivery,
    mail_record,
    mail_record_unreadable,
    mailbox_record_cursor,
    mails_record,
)

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=6)  # longer than fetch_mailbox's hard time limit (5 min)
RUN_LIMIT = 500  # mails per run; the next run goes on
CHUNK_BYTES = 16 * 1024 * 1024  # downloaded per FETCH command
CHUNK_MAILS = 50
MB = 1024 * 1024


class LostClaim(Exception):
    """Another run holds the mailbox now; this one stops."""


@dataclass
class FetchResult:
    claimed: bool = False
    recorded: int = 0
    duplicates: int = 0
    more: bool = False
    renumbered: bool = False
    problem: str = ""


def mailbox_claim(*, mailbox_id: int, now: datetime.datetime) -> str | None:
    """Take the mailbox for one run; return the run's token, or None if another run holds it."""
    token = secrets.token_hex(16)
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(fetch_lease_until__isnull=True) | Q(fetch_lease_until__lt=now))
        .update(fetch_token=token, fetch_lease_until=now + LEASE, last_attempt_at=now)
    )
    return token if claimed else None


def mailbox_release(*, mailbox_id: int, token: str) -> None:
    """End this run's claim (only if it still holds it)."""
    Mailbox.objects.filter(pk=mailbox_id, fetch_token=token).update(
        fetch_token="", fetch_lease_until=None
    )


def account_of(mailbox: Mailbox) -> Account:
    """Return the mailbox's login; raise ImapProblem if the password cannot be read."""
    try:
        password = password_decrypt(mailbox.password_token) if mailbox.password_token else ""
    except PasswordUnreadable as exc:
        raise imap.problem_from(exc) from exc
    return Account(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password=password,
        folder=mailbox.folder,
    )


def mailbox_fetch(*, mailbox_id: int, limit: int = RUN_LIMIT) -> FetchResult:
    """Read new mail of one mailbox and record each mail once. Safe to run twice and overlap.

    Side effects: received mails, their timeline entries, messages held by replies, the cursor
    and the mailbox's state (last success, last problem) for the settings page.
    """
    now = timezone.now()
    token = mailbox_claim(mailbox_id=mailbox_id, now=now)
    if token is None:
        return FetchResult()
    result = FetchResult(claimed=True)
    mailbox = Mailbox.objects.select_related("owner__profile").get(pk=mailbox_id)
    try:
        _fetch(mailbox, token, result, limit)
    except ImapProblem as problem:
        result.problem = problem.code
        logger.warning("Fetching mailbox %s failed: %s", mailbox_id, problem)
        Mailbox.objects.filter(pk=mailbox_id).update(
            last_error_code=problem.code,
            last_error_detail=problem.detail,
            last_error_at=timezone.now(),
        )
    except (LostClaim, SoftTimeLimitExceeded):
        # Progress so far is recorded; the next run goes on from the cursor.
        result.more = True
    else:
        Mailbox.objects.filter(pk=mailbox_id, fetch_token=token).update(
            last_success_at=timezone.now(),
            last_error_code="",
            last_error_detail="",
            last_error_at=None,
        )
    finally:
        mailbox_release(mailbox_id=mailbox_id, token=token)
    return result


def _first_day(mailbox: Mailbox) -> datetime.date:
    days = int(getattr(settings, "INBOX_FIRST_DAYS", 14))
    return timezone.localdate() - datetime.timedelta(days=days)


def _fetch(mailbox: Mailbox, token: str, result: FetchResult, limit: int) -> None:
    account = account_of(mailbox)
    with imap.session(account) as opened:
        try:
            _fetch_new(opened, mailbox, token, result, limit)
        except imap.IMAP_ERRORS as exc:
            raise imap.problem_from(exc) from exc


def _fetch_new(
    opened: imap.Session, mailbox: Mailbox, token: str, result: FetchResult, limit: int
) -> None:
    validity = opened.uidvalidity
    if mailbox.uidvalidity is None:
        uids = imap.uids_since(opened, _first_day(mailbox))
        _restart_cursor(mailbox, token, validity, renumbered=False)
    elif mailbox.uidvalidity != validity:
        result.renumbered = True
        _restart_cursor(mailbox, token, validity, renumbered=True)
        uids = _not_recorded(opened, mailbox, imap.uids_all(opened))
    else:
        uids = imap.uids_after(opened, mailbox.last_uid)
    result.more = len(uids) > limit
    _read(opened, mailbox, token, uids[:limit], result)


def _restart_cursor(mailbox: Mailbox, token: str, validity: int, *, renumbered: bool) -> None:
    updated = Mailbox.objects.filter(pk=mailbox.pk, fetch_token=token).update(
        uidvalidity=validity,
        last_uid=0,
        **({"uidvalidity_changed_at": timezone.now()} if renumbered else {}),
    )
    if not updated:
        raise LostClaim()
    mailbox.uidvalidity, mailbox.last_uid = validity, 0


def _not_recorded(opened: imap.Session, mailbox: Mailbox, uids: list[int]) -> list[int]:
    """Return the UIDs whose Message-ID this mailbox has not recorded (headers only are read)."""
    known = set(InboundMail.objects.filter(mailbox=mailbox).values_list("message_id", flat=True))
    wanted = []
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        typ, data = opened.client.uid(
            "FETCH", ",".join(map(str, chunk)), "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
        )
        if typ != "OK":
            raise ImapProblem(Mailbox.Problem.PROTOCOL, f"FETCH MESSAGE-ID: {typ}")
        seen: dict[int, str] = {}
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2:
                uid = imap.UID.search(item[0])
                if uid:
                    text = item[1].decode("ascii", "replace").partition(":")[2]
                    found = message_ids(" ".join(text.split()))
                    seen[int(uid.group(1))] = found[0] if found else ""
        # No Message-ID: it cannot be told apart by header, so it is read (and deduplicated by
        # the hash of the whole mail).
        wanted += [uid for uid in chunk if not seen.get(uid) or seen[uid] not in known]
    return wanted


def _batches(
    uids: list[int], envelopes: dict[int, imap.Envelope], max_bytes: int
) -> list[tuple[list[int], bool]]:
    """Split ``uids`` (ascending) into FETCH batches, keeping UID order: the cursor follows it.

    A mail larger than ``max_bytes`` is a batch of its own, read as headers only.
    """
    batches: list[tuple[list[int], bool]] = []
    current: list[int] = []
    volume = 0
    for uid in uids:
        size = envelopes[uid].size
        if size > max_bytes:
            if current:
                batches.append((current, False))
                current, volume = [], 0
            batches.append(([uid], True))
            continue
        if current and (volume + size > CHUNK_BYTES or len(current) >= CHUNK_MAILS):
            batches.append((current, False))
            current, volume = [], 0
        current.append(uid)
        volume += size
    if current:
        batches.append((current, False))
    return batches


def _read(
    opened: imap.Session, mailbox: Mailbox, token: str, uids: list[int], result: FetchResult
) -> None:
    if not uids:
        return
    max_bytes = int(float(getattr(settings, "INBOX_MESSAGE_MAX_MB", 60)) * MB)
    envelopes = imap.envelopes(opened, uids)
    # A UID gone between SEARCH and FETCH (expunged) has nothing to read; the cursor still
    # moves past it (in _record).
    for batch, headers_only in _batches(
        [uid for uid in uids if uid in envelopes], envelopes, max_bytes
    ):
        _record(opened, mailbox, token, batch, envelopes, result, headers_only=headers_only)
    if uids[-1] not in envelopes and not mailbox_record_cursor(
        mailbox=mailbox, token=token, uidvalidity=opened.uidvalidity, last_uid=uids[-1], read=0
    ):
        raise LostClaim()


def _record(
    opened: imap.Session,
    mailbox: Mailbox,
    token: str,
    chunk: list[int],
    envelopes: dict[int, imap.Envelope],
    result: FetchResult,
    *,
    headers_only: bool,
) -> None:
    """Record one FETCH batch and move the cursor past it, in one transaction.

    Should the batch fail (a mail the parser or the database refuses), it is rolled back and
    recorded again mail by mail, each with its own cursor move, so that one bad mail neither
    blocks the others nor is lost.
    """
    raws = imap.fetch_raw(opened, chunk, headers_only=headers_only)
    deliveries = {
        uid: Delivery(
            raw=raws[uid],
            uid=uid,
            uidvalidity=opened.uidvalidity,
            received_at=envelopes[uid].received_at,
            size=envelopes[uid].size,
            headers_only=headers_only,
        )
        for uid in chunk
        if uid in raws
    }
    try:
        with transaction.atomic():
            recorded = mails_record(mailbox=mailbox, deliveries=list(deliveries.values()))
            _move_cursor(mailbox, token, opened, chunk[-1], read=len(deliveries))
    except LostClaim:
        raise
    except Exception:
        logger.exception("Recording a batch of mailbox %s failed; one by one now", mailbox.pk)
    else:
        created = sum(1 for _mail, is_new in recorded if is_new)
        result.recorded += created
        result.duplicates += len(recorded) - created
        return
    for uid in chunk:
        delivery = deliveries.get(uid)
        with transaction.atomic():
            created = _record_one(mailbox, delivery) if delivery is not None else None
            _move_cursor(mailbox, token, opened, uid, read=0 if delivery is None else 1)
        if created is not None:
            result.recorded += int(created)
            result.duplicates += int(not created)


def _move_cursor(
    mailbox: Mailbox, token: str, opened: imap.Session, uid: int, *, read: int
) -> None:
    if not mailbox_record_cursor(
        mailbox=mailbox, token=token, uidvalidity=opened.uidvalidity, last_uid=uid, read=read
    ):
        raise LostClaim()


def _record_one(mailbox: Mailbox, delivery: Delivery) -> bool:
    """Record one mail; a mail the inbox cannot take apart is kept whole, marked unreadable.

    A failure even then stops the run before the cursor passes the mail (the settings page
    shows it; the mail stays on the server and is read again by the next run).
    """
    try:
        with transaction.atomic():
            return mail_record(mailbox=mailbox, delivery=delivery)[1]
    except Exception:
        logger.exception("Recording mail UID %s of mailbox %s failed", delivery.uid, mailbox.pk)
    try:
        with transaction.atomic():
            return mail_record_unreadable(mailbox=mailbox, delivery=delivery)[1]
    except Exception as exc:
        raise ImapProblem(Mailbox.Problem.MAIL, f"UID {delivery.uid}: {exc}") from exc
