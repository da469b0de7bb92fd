"""Payment reminders: levels from what was sent, grace, pauses ("Mahnstopp"), one message per
client and level.

Design (see docs/communications.md):

* The first reminder an invoice gets is level 1 (the friendly note), however late it is: after
  the first offset (3 days by default) plus the grace days of the client's relationship (new,
  regular, loyal: a setting each). A higher level follows only a *sent* lower level, after the
  difference of their offsets (11 and 14 days by default), counted from the day it was sent. So
  a text that says "as I wrote on ..." is true, and the formal final notice (level 3) comes only
  after a friendly note and a clear reminder went out; it is always a draft (approval).
* The clock stands still during a Mahnstopp (``ReminderPause``): after it ends the sequence
  resumes at the next level with the days that were left, never at a level computed from the
  days overdue.
* ``ReminderItem`` rows tie invoices to reminder messages; the unique (invoice, level)
  constraint means an invoice can never be in two reminders of one level, whatever races.
* A client with several invoices due for the same level gets ONE message listing them. An unsent
  (draft/scheduled/held) reminder of that client and level collects newly due invoices; otherwise
  a new message is keyed ``reminder:client:<client>:level:<n>:<date>``.
* Paid, cancelled or paused invoices leave unsent reminders (``reminder_upkeep``).
* Level 3 carries the PDF letter (``communications.letters``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from projects.models import Invoice

from .. import replies
from ..letters import LETTER
from ..models import (
    PENDING_STATUSES,
    REMINDER_KINDS,
    CommunicationSettings,
    Message,
    ReminderItem,
    ReminderPause,
)
from ..rules import Rules, rules_for_owners
from .base import Batch, ZoneGroup, zone_groups
from .reminder_upkeep import (
    SentReminders,
    active_pauses,
    reminder_facts,
    reminders_refresh,
    reminders_rerender,
    reminders_sent_for,
)

REMINDER_LIMIT = 1000
LEVELS = (1, 2, 3)


def shortest_wait(level: int) -> int:
    """Return the fewest days any freelancer lets ``level`` wait (the SQL pre-filter).

    Level 1: the first offset plus the smallest grace; a higher level: the smallest difference
    between its offset and the one below.
    """
    default = Rules()
    if level == 1:
        lowest = CommunicationSettings.objects.aggregate(
            offset=Min("reminder_1_days"),
            new=Min("grace_new_days"),
            regular=Min("grace_regular_days"),
            loyal=Min("grace_loyal_days"),
        )
        offset = lowest.pop("offset")
        offsets = [default.reminder_offsets[0], *([offset] if offset is not None else [])]
        graces = [*default.grace_days, *(v for v in lowest.values() if v is not None)]
        return min(offsets) + min(graces)
    gap = CommunicationSettings.objects.aggregate(
        low=Min(F(f"reminder_{level}_days") - F(f"reminder_{level - 1}_days"))
    )["low"]
    wait = default.reminder_wait(level, "new")
    return min(wait, gap) if gap is not None else wait


def _sent_item(level: int) -> QuerySet[ReminderItem]:
    """Return the invoice's item of ``level`` in a reminder that was sent (outer ref: pk)."""
    return ReminderItem.objects.filter(
        invoice_id=OuterRef("pk"), level=level, message__status=Message.Status.SENT
    )


def reminder_candidates(group: ZoneGroup, level: int, now: datetime.datetime) -> QuerySet[Invoice]:
    """Return unpaid, unpaused invoices that may be due for ``level``; the oldest first.

    Level 1: no reminder yet and at least the shortest wait past due. A higher level: the level
    below was sent at least the shortest wait ago and nothing of this level or higher exists;
    each row carries ``sent_at``, when the level below went out (its wait starts there).
    """
    pauses = active_pauses(group.today)
    wait = datetime.timedelta(days=shortest_wait(level))
    invoices = (
        Invoice.objects.filter(group.owner_filter)
        .unpaid()
        .filter(client__archived_at__isnull=True)
        .filter(~Exists(pauses.filter(invoice_id=OuterRef("pk"))))
        .filter(~Exists(pauses.filter(client_id=OuterRef("client_id"))))
    )
    if level == 1:
        return (
            invoices.filter(due_on__lte=group.today - wait)
            .filter(~Exists(ReminderItem.objects.filter(invoice_id=OuterRef("pk"))))
            .order_by("due_on", "pk")
        )
    return (
        invoices.filter(Exists(_sent_item(level - 1).filter(message__sent_at__lte=now - wait)))
        .filter(~Exists(ReminderItem.objects.filter(invoice_id=OuterRef("pk"), level__gte=level)))
        .annotate(sent_at=Subquery(_sent_item(level - 1).values("message__sent_at")[:1]))
        .order_by("due_on", "pk")
    )


def paused_days(
    pauses: list[ReminderPause], start: datetime.date, today: datetime.date, rules: Rules
) -> int:
    """Return the days from ``start`` to ``today`` that a Mahnstopp covered (overlaps once)."""
    spans = []
    for pause in pauses:
        begin = max(rules.local_date(pause.created_at), start)
        end = today
        if pause.lifted_at is not None:
            end = min(end, rules.local_date(pause.lifted_at))
        if pause.until_on is not None:
            end = min(end, pause.until_on + datetime.timedelta(days=1))
        if begin < end:
            spans.append((begin, end))
    days, reach = 0, start
    for begin, end in sorted(spans):
        begin = max(begin, reach)
        if end > begin:
            days += (end - begin).days
            reach = end
    return days


def _pauses_of(rows: list[dict[str, Any]]) -> dict[tuple[str, int], list[ReminderPause]]:
    """Return every pause (past ones too) of the rows' invoices and clients, in one query."""
    found: dict[tuple[str, int], list[ReminderPause]] = defaultdict(list)
    pauses = ReminderPause.objects.filter(
        Q(invoice_id__in=[row["pk"] for row in rows])
        | Q(client_id__in={row["client_id"] for row in rows})
    )
    for pause in pauses:
        if pause.invoice_id:
            found[("invoice", pause.invoice_id)].append(pause)
        else:
            found[("client", pause.client_id)].append(pause)
    return found


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
    rules_cache: dict[int, Rules] = {}
    for level in LEVELS:
        rows = list(
            reminder_candidates(group, level, now).values(
                "pk",
                "owner_id",
                "client_id",
                "due_on",
                "client__relationship",
                *(["sent_at"] if level > 1 else []),
            )[:limit]
        )
        if not rows:
            continue
        # No reminder is planned in the days after a client's reply (communications/replies.py).
        last_reply = replies.latest_replies({row["client_id"] for row in rows})
        missing = {row["owner_id"] for row in rows} - set(rules_cache)
        if missing:
            rules_cache.update(rules_for_owners(missing))
        pauses = _pauses_of(rows)
        for row in rows:
            rules = rules_cache[row["owner_id"]]
            if replies.in_pause(
                last_reply.get(row["client_id"]), days=rules.reply_pause_days, now=now
            ):
                continue
            start = row["due_on"] if level == 1 else rules.local_date(row["sent_at"])
            stopped = paused_days(
                pauses[("invoice", row["pk"])] + pauses[("client", row["client_id"])],
                start,
                group.today,
                rules,
            )
            wait = rules.reminder_wait(level, row["client__relationship"]) + stopped
            if start + datetime.timedelta(days=wait) <= group.today:
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
    sent = reminders_sent_for(
        invoice.pk for (_c, level), invoices in groups.items() if level > 1 for invoice in invoices
    )
    new_items: list[Item] = []
    extended: set[int] = set()
    for (_client_id, level), invoices in groups.items():
        existing = pending.get((invoices[0].client_id, REMINDER_KINDS[level]))
        if existing is not None:
            new_items += [(existing, invoice, level) for invoice in invoices]
            extended.add(existing.pk)
            continue
        message = _reminder_add(batch, invoices, level, today, sent)
        new_items += [(message, invoice, level) for invoice in invoices]
    created = batch.save()
    _items_create(new_items, batch.messages, owner_ids)
    # New messages were rendered with their full list; only extended ones need a new text.
    if extended:
        reminders_rerender(Message.objects.filter(pk__in=extended), now=now)
    return len(created) + len(extended)


def _reminder_add(
    batch: Batch,
    invoices: list[Invoice],
    level: int,
    today: datetime.date,
    sent: SentReminders,
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
            **reminder_facts(invoices, level, today, sent),
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
