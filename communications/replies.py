"""Replies from clients, and what they do to the automatic messages (see docs/inbox.md).

The inbox app (above this one) records each mail a client sends through ``reply_record``; this
module decides what it means for the outbox. The point: a gentle CRM does not send a payment
reminder the morning after the client wrote "I'll pay on Friday".

* A reply holds every automatic message (status update, delay notice, payment reminder,
  keep-in-touch note) of that client that is still waiting (draft or scheduled): status
  ``held``, reason "The client wrote on <date>: <first line>" in the freelancer's language, and
  ``held_by_reply`` pointing at the reply. The dashboard lists them under "Replies to read",
  where one click releases (it goes out as planned) or discards each.
* For ``reply_pause_days`` after a reply (a setting, default 3) no payment reminder is planned
  at all, and any other automatic message planned in those days (a status update above all: it
  would talk past what the client just asked) is planned held.
* The dispatcher checks once more right before it sends (``messages_hold_before_sending``).
  That closes the race between a planner that read "no reply yet" and a reply recorded before
  the planner's rows were committed, which the hold on arrival cannot see.

A released message keeps ``held_by_reply``: replies up to that one were read, so only a newer
reply holds it again. Auto-replies (out of office) go on the timeline and hold nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from clients.models import Client
from projects.models import Invoice
from timeline.models import Activity

from .models import AUTOMATIC_KINDS, CommunicationSettings, Message
from .rules import DEFAULT_TIME_ZONE, Rules, rules_for_owners

WAITING = (Message.Status.DRAFT, Message.Status.SCHEDULED)
LINE_LIMIT = 140
CARD_SIZE = 8
MAX_PAUSE_DAYS = 60  # the setting's upper bound


def first_line(text: str, limit: int = LINE_LIMIT) -> str:
    """Return the first non-empty line of ``text``, whitespace collapsed, cut at ``limit``."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


def _preferences(owner: Any) -> tuple[str, zoneinfo.ZoneInfo]:
    profile = owner.profile_or_default
    try:
        zone = zoneinfo.ZoneInfo(profile.time_zone or DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)
    return profile.language or "de", zone


def hold_reason(*, reply: Activity, owner: Any) -> str:
    """Return "The client wrote on <date>: <first line>" in the freelancer's language."""
    language, zone = _preferences(owner)
    with translation.override(language):
        day = date_format(reply.occurred_at.astimezone(zone).date(), "SHORT_DATE_FORMAT")
        line = first_line(reply.detail) or reply.summary
        reason = gettext("The client wrote on %(date)s: %(line)s") % {"date": day, "line": line}
    return reason[:300]


@dataclass(frozen=True)
class Reply:
    """A client's mail as the timeline records it."""

    client: Client
    occurred_at: datetime.datetime
    subject: str
    text: str
    is_automatic: bool = False
    project: Any = None


def reply_record(
    *,
    client: Client,
    occurred_at: datetime.datetime,
    subject: str,
    text: str,
    is_automatic: bool = False,
    project: Any = None,
) -> Activity:
    """Put a client's reply (or auto-reply) on their timeline; a reply holds waiting messages.

    Not idempotent: the inbox records each mail once (a unique key per mailbox and Message-ID)
    and calls this inside the same transaction, so the entry and the holds commit with the mail.
    For an auto-reply ``text`` is its short line ("away until 12.01."), shown as the summary.
    """
    reply = Reply(client, occurred_at, subject, text, is_automatic, project)
    return replies_record(replies=[reply])[0]


def replies_record(*, replies: list[Reply]) -> list[Activity]:
    """Record several replies at once (a fetched batch); return their entries, in order.

    One insert for the entries and one hold per client that replied (for its newest reply).
    Not idempotent, like ``reply_record``.
    """
    activities = Activity.objects.bulk_create(
        [
            Activity(
                owner_id=reply.client.owner_id,
                client=reply.client,
                kind=Activity.Kind.AUTO_REPLY if reply.is_automatic else Activity.Kind.REPLY,
                summary=((reply.text or reply.subject) if reply.is_automatic else reply.subject)[
                    :300
                ],
                detail=reply.subject if reply.is_automatic else reply.text,
                occurred_at=reply.occurred_at,
                project=reply.project,
            )
            for reply in replies
        ]
    )
    newest: dict[int, Activity] = {}
    for reply, activity in zip(replies, activities, strict=True):
        known = newest.get(reply.client.pk)
        if not reply.is_automatic and (known is None or activity.occurred_at >= known.occurred_at):
            newest[reply.client.pk] = activity
    # Only clients with something waiting need an UPDATE (and the owner's language for it).
    waiting = set(
        Message.objects.filter(
            client_id__in=list(newest), kind__in=AUTOMATIC_KINDS, status__in=WAITING
        )
        .values_list("client_id", flat=True)
        .distinct()
    )
    owners: dict[int, Any] = {}
    for client_id in waiting:
        activity = newest[client_id]
        if activity.owner_id not in owners:
            owners[activity.owner_id] = (
                get_user_model().objects.select_related("profile").get(pk=activity.owner_id)
            )
        messages_hold_for_reply(reply=activity, owner=owners[activity.owner_id])
    return activities


def messages_hold_for_reply(*, reply: Activity, owner: Any) -> int:
    """Hold the client's waiting automatic messages because of ``reply``; return how many.

    Safe to run twice (a held message is no longer waiting). A message being sent right now
    (``sending``) is past holding; the dispatcher's own check covers rows not yet committed.
    """
    return Message.objects.filter(
        client_id=reply.client_id, kind__in=AUTOMATIC_KINDS, status__in=WAITING
    ).update_of_owner(
        reply.owner_id,
        status=Message.Status.HELD,
        held_reason=hold_reason(reply=reply, owner=owner),
        held_by_reply=reply,
        held_from=F("status"),
        updated_at=timezone.now(),
    )


def latest_replies(client_ids: Iterable[int]) -> dict[int, Activity]:
    """Return each client's most recently recorded reply (not auto-replies), in two queries."""
    client_ids = set(client_ids)
    if not client_ids:
        return {}
    newest = (
        Activity.objects.filter(client_id__in=client_ids, kind=Activity.Kind.REPLY)
        .values("client_id")
        .annotate(newest=Max("pk"))
        .values_list("newest", flat=True)
    )
    return {
        reply.client_id: reply
        for reply in Activity.objects.filter(pk__in=list(newest)).only(
            "pk", "owner_id", "client_id", "occurred_at", "created_at", "summary", "detail"
        )
    }


def in_pause(reply: Activity | None, *, days: int, now: datetime.datetime) -> bool:
    """Return whether ``reply`` came in the last ``days`` days (the pause after a reply)."""
    return reply is not None and days > 0 and reply.occurred_at >= now - datetime.timedelta(days)


def hold_when_planned(
    reply: Activity | None, *, kind: str, days: int, now: datetime.datetime
) -> Activity | None:
    """Return the reply that a message of ``kind`` planned now must be held for, if any."""
    if kind in AUTOMATIC_KINDS and in_pause(reply, days=days, now=now):
        return reply
    return None


def messages_hold_before_sending(messages: list[Message], *, now: datetime.datetime) -> set[int]:
    """Hold claimed automatic messages whose client wrote since; return the held ids.

    Called by the dispatcher after its claim (the rows are ``sending``). A message is held when
    its client's newest reply is one it was not released over (newer than ``held_by_reply``)
    and that reply was recorded after the message was planned or falls in the pause after a
    reply. Race prevented: a planner that read "no reply" while the inbox recorded one, whose
    rows the hold on arrival could not see yet. The conditional UPDATE (still ``sending``,
    still this claim) leaves a row alone that the sweeper has taken back meanwhile.
    """
    candidates = [message for message in messages if message.kind in AUTOMATIC_KINDS]
    if not candidates:
        return set()
    replies = latest_replies(message.client_id for message in candidates)
    if not replies:
        return set()
    rules = rules_for_owners({message.owner_id for message in candidates})
    held: set[int] = set()
    for message in candidates:
        reply = replies.get(message.client_id)
        if reply is None or (message.held_by_reply_id and reply.pk <= message.held_by_reply_id):
            continue
        days = rules[message.owner_id].reply_pause_days
        if reply.created_at < message.created_at and not in_pause(reply, days=days, now=now):
            continue
        updated = message.hold_claimed(
            reason=hold_reason(reply=reply, owner=message.owner), now=now, held_by_reply=reply
        )
        if updated:
            held.add(message.pk)
    return held


# --- The dashboard card "Replies to read" ---------------------------------------------------


def messages_held_by_replies(*, user: Any) -> tuple[list[Message], bool]:
    """Return the messages a reply holds (newest reply first, capped) and whether more wait."""
    held = list(
        Message.objects.owned_by(user)
        .filter(status=Message.Status.HELD, held_by_reply__isnull=False)
        .select_related("client", "project", "held_by_reply")
        .defer("body_text", "body_html", "attachments", "held_by_reply__detail")
        .order_by("-held_by_reply__occurred_at", "pk")[: CARD_SIZE + 1]
    )
    return held[:CARD_SIZE], len(held) > CARD_SIZE


def reminders_paused_by_replies(*, user: Any, now: datetime.datetime) -> list[dict[str, Any]]:
    """Return the clients with overdue invoices whose recent reply pauses reminders (1 query).

    The pause length is the freelancer's setting, read in the same query: the newest replies
    come first, so once one is older than the pause every later one is too.
    """
    pause_days = Coalesce(
        Subquery(
            CommunicationSettings.objects.filter(owner_id=user.pk).values("reply_pause_days")[:1]
        ),
        Value(Rules().reply_pause_days),
    )
    overdue = Invoice.objects.unpaid().filter(
        client_id=OuterRef("client_id"), due_on__lt=timezone.localdate(now)
    )
    rows = (
        Activity.objects.owned_by(user)
        .filter(
            kind=Activity.Kind.REPLY,
            occurred_at__gte=now - datetime.timedelta(days=MAX_PAUSE_DAYS),
        )
        .filter(Exists(overdue))
        .values("client_id", "client__name")
        .annotate(last=Max("occurred_at"), days=pause_days)
        .order_by("-last", "client_id")[:CARD_SIZE]
    )
    return [
        {
            "client_id": row["client_id"],
            "client_name": row["client__name"],
            "wrote_at": row["last"],
            "until": row["last"] + datetime.timedelta(days=row["days"]),
        }
        for row in rows
        if row["days"] and row["last"] >= now - datetime.timedelta(days=row["days"])
    ]
