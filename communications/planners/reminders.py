"""Payment reminders: levels, grace, pauses ("Mahnstopp"), one message per client and level.

Design (see docs/communications.md):

* An invoice gets the highest level whose offset has passed (3/14/28 days after due by default,
  doubled for loyal clients) and that it has not had yet. A level skipped while beat was down is
  never sent late in a burst: only the current level goes out.
* ``ReminderItem`` rows tie invoices to reminder messages; the unique (invoice, level)
  constraint means an invoice can never be in two reminders of one level, whatever races.
* A client with several invoices due for the same level gets ONE message listing them. An unsent
  (draft/scheduled/held) reminder of that client and level collects newly due invoices; otherwise
  a new message is keyed ``reminder:client:<client>:level:<n>:<date>``.
* Paid, cancelled or paused invoices leave unsent reminders (``reminder_upkeep``).
* Level 3 (formal final notice) is always a draft and carries the PDF letter
  (``communications.letters``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from clients.models import Client
from projects.models import Invoice

from .. import replies
from ..letters import LETTER
from ..models import (
    PENDING_STATUSES,
    REMINDER_KINDS,
    CommunicationSettings,
    Message,
    ReminderItem,
)
from ..rules import Rules, rules_for_owners
from .base import Batch, ZoneGroup, zone_groups
from .reminder_upkeep import (
    active_pauses,
    reminder_items_drop,
    reminders_refresh,
    reminders_rerender,
)

REMINDER_LIMIT = 1000


def min_offset(level: int) -> int:
    """Return the smallest offset any freelancer uses for ``level`` (the SQL pre-filter)."""
    default = Rules().reminder_offsets[level - 1]
    lowest = CommunicationSettings.objects.aggregate(low=Min(f"reminder_{level}_days"))["low"]
    return min(default, lowest) if lowest is not None else default


def reminder_candidates(
    group: ZoneGroup, level: int, offset: int, loyal_factor: int = 1
) -> QuerySet[Invoice]:
    """Return unpaid invoices at least ``offset`` days overdue (loyal clients: times the factor),
    not paused, and without a reminder of this level or higher; the oldest first."""
    pauses = active_pauses(group.today)
    today = group.today
    return (
        Invoice.objects.filter(group.owner_filter)
        .unpaid()
        .filter(
            Q(due_on__lte=today - datetime.timedelta(days=offset))
            & (
                ~Q(client__relationship=Client.Relationship.LOYAL)
                | Q(due_on__lte=today - datetime.timedelta(days=offset * loyal_factor))
            )
        )
        .filter(client__archived_at__isnull=True)
        .filter(~Exists(ReminderItem.objects.filter(invoice_id=OuterRef("pk"), level__gte=level)))
        .filter(~Exists(pauses.filter(invoice_id=OuterRef("pk"))))
        .filter(~Exists(pauses.filter(client_id=OuterRef("client_id"))))
        .order_by("due_on", "pk")
    )


def reminders_plan(
    *,
    now: datetime.datetime | None = None,
    limit: int = REMINDER_LIMIT,
    owner_ids: Iterable[int] | None = None,
) -> int:
    """Refresh unsent reminders, then plan new ones; return messages created or extended.

    Safe to run twice and to overlap (see the module docstring).
    """
    now = now or timezone.now()
    reminders_refresh(now=now)
    created = 0
    for group in zone_groups(now, owner_ids=owner_ids):
        created += _plan_group(group, now, limit)
    return created


def _plan_group(group: ZoneGroup, now: datetime.datetime, limit: int) -> int:
    """Choose each due invoice's level in one zone group, then write the reminders."""
    chosen: dict[int, tuple[int, dict[str, Any]]] = {}
    rules_cache: dict[int, Any] = {}
    lowest = CommunicationSettings.objects.aggregate(low=Min("loyal_grace_factor"))["low"]
    lowest_factor = min(Rules().loyal_grace_factor, lowest or Rules().loyal_grace_factor)
    for level in (3, 2, 1):
        rows = list(
            reminder_candidates(group, level, min_offset(level), lowest_factor).values(
                "pk", "owner_id", "client_id", "due_on", "client__relationship"
            )[:limit]
        )
        rows = [row for row in rows if row["pk"] not in chosen]
        if not rows:
            continue
        # No reminder is planned in the days after a client's reply (communications/replies.py).
        last_reply = replies.latest_replies({row["client_id"] for row in rows})
        missing = {row["owner_id"] for row in rows} - set(rules_cache)
        if missing:
            rules_cache.update(rules_for_owners(missing))
        for row in rows:
            rules = rules_cache[row["owner_id"]]
            if replies.in_pause(
                last_reply.get(row["client_id"]), days=rules.reply_pause_days, now=now
            ):
                continue
            offset = rules.reminder_offset(
                level, is_loyal=row["client__relationship"] == Client.Relationship.LOYAL
            )
            if row["due_on"] + datetime.timedelta(days=offset) <= group.today:
                chosen.setdefault(row["pk"], (level, row))
    if not chosen:
        return 0
    invoices = Invoice.objects.filter(pk__in=list(chosen)).select_related(
        "client__owner__profile", "project"
    )
    groups: dict[tuple[int, int], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        groups[(invoice.client_id, chosen[invoice.pk][0])].append(invoice)
    return _write(groups, group.today, now)


# An invoice waiting to be listed in a reminder message: (message, invoice, level).
Item = tuple[Message, Invoice, int]


def _write(
    groups: dict[tuple[int, int], list[Invoice]], today: datetime.date, now: datetime.datetime
) -> int:
    """Add each (client, level) group to that client's unsent reminder, or to a new one."""
    client_ids = {client_id for client_id, _level in groups}
    owner_ids = {invoices[0].owner_id for invoices in groups.values()}
    pending = {
        (message.client_id, message.kind): message
        for message in Message.objects.filter(
            client_id__in=client_ids,
            kind__in=list(REMINDER_KINDS.values()),
            status__in=list(PENDING_STATUSES),
        )
    }
    batch = Batch(now, owner_ids, client_ids)
    new_items: list[Item] = []
    extended: set[int] = set()
    for (_client_id, level), invoices in groups.items():
        existing = pending.get((invoices[0].client_id, REMINDER_KINDS[level]))
        if existing is not None:
            new_items += [(existing, invoice, level) for invoice in invoices]
            extended.add(existing.pk)
            continue
        message = _reminder_add(batch, invoices, level, today)
        new_items += [(message, invoice, level) for invoice in invoices]
    created = batch.save()
    _items_create(new_items, batch.messages, owner_ids)
    # An invoice that reached a new level leaves the unsent reminders of lower levels.
    superseded = ReminderItem.objects.filter(
        invoice_id__in=[invoice.pk for _m, invoice, _l in new_items]
    ).filter(
        Exists(
            ReminderItem.objects.filter(
                invoice_id=OuterRef("invoice_id"), level__gt=OuterRef("level")
            )
        )
    )
    reminder_items_drop(superseded, now=now)
    # New messages were rendered with their full list; only extended ones need a new text.
    if extended:
        reminders_rerender(Message.objects.filter(pk__in=extended), now=now)
    return len(created) + len(extended)


def _reminder_add(
    batch: Batch, invoices: list[Invoice], level: int, today: datetime.date
) -> Message:
    """Queue a new reminder of ``level`` listing ``invoices`` (one client's), oldest first."""
    client = invoices[0].client
    invoices.sort(key=lambda invoice: (invoice.due_on, invoice.pk))
    return batch.add(
        client=client,
        kind=REMINDER_KINDS[level],
        dedupe_key=f"reminder:client:{client.pk}:level:{level}:{today.isoformat()}",
        context=batch.context(
            client,
            today,
            invoice=invoices[0],
            invoices=invoices,
            level=level,
            project=invoices[0].project,
        ),
        automatic=level < 3 and batch.rules_for(client).reminder_mode == "auto",
        invoice=invoices[0],
        project=invoices[0].project,
        attachments=[LETTER] if level == 3 else [],
    )


def _items_create(items: list[Item], queued: list[Message], owner_ids: set[int]) -> None:
    """Tie the invoices to their saved, still unsent reminder messages (``ReminderItem``).

    A queued message whose key a concurrent planner (or an earlier run today) wrote first has no
    pk: its invoices join that row instead, if it is still unsent. The unique (invoice, level)
    constraint drops what a racing planner already tied.
    """
    by_key = {
        (m.owner_id, m.dedupe_key): m
        for m in Message.objects.filter(
            owner_id__in=owner_ids, dedupe_key__in=[m.dedupe_key for m in queued]
        )
    }
    rows = []
    for message, invoice, level in items:
        saved = message if message.pk else by_key.get((message.owner_id, message.dedupe_key))
        if saved is None or saved.status not in PENDING_STATUSES:
            continue
        rows.append(
            ReminderItem(message=saved, invoice=invoice, level=level, amount_due=invoice.amount_due)
        )
    ReminderItem.objects.bulk_create(rows, ignore_conflicts=True)
