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
* Paid, cancelled or paused invoices leave every unsent reminder at once (``reminders_refresh``
  and ``reminders_cancel_for_invoice``); a message left without invoices is cancelled, one with
  invoices left is re-rendered. A partial payment re-renders the amount.
* Level 3 (formal final notice) is always a draft and carries the PDF letter.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client
from projects.models import Invoice

from . import replies
from .context import freelancer_context, message_context
from .models import (
    PENDING_STATUSES,
    REMINDER_KINDS,
    CommunicationSettings,
    Message,
    ReminderItem,
    ReminderPause,
)
from .planning import Batch, ZoneGroup, zone_groups
from .rendering import message_render, overrides_for, sources_for
from .rules import Rules

LETTER = {"type": "reminder_letter"}


def active_pauses(today: datetime.date) -> QuerySet[ReminderPause]:
    return ReminderPause.objects.filter(lifted_at__isnull=True).filter(
        Q(until_on__isnull=True) | Q(until_on__gte=today)
    )


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


REMINDER_LIMIT = 1000


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
            from .rules import rules_for_owners

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


def _write(
    groups: dict[tuple[int, int], list[Invoice]], today: datetime.date, now: datetime.datetime
) -> int:
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
    new_items: list[tuple[Message, Invoice, int]] = []
    extended: set[int] = set()
    for (_client_id, level), invoices in groups.items():
        kind = REMINDER_KINDS[level]
        client = invoices[0].client
        existing = pending.get((client.pk, kind))
        if existing is not None:
            new_items += [(existing, invoice, level) for invoice in invoices]
            extended.add(existing.pk)
            continue
        rules = batch.rules_for(client)
        invoices.sort(key=lambda invoice: (invoice.due_on, invoice.pk))
        message = batch.add(
            client=client,
            kind=kind,
            dedupe_key=f"reminder:client:{client.pk}:level:{level}:{today.isoformat()}",
            context=message_context(
                client=client,
                today=today,
                freelancer=batch.freelancer(client),
                invoice=invoices[0],
                invoices=invoices,
                level=level,
                project=invoices[0].project,
            ),
            automatic=level < 3 and rules.reminder_mode == "auto",
            invoice=invoices[0],
            project=invoices[0].project,
            attachments=[LETTER] if level == 3 else [],
        )
        new_items += [(message, invoice, level) for invoice in invoices]
    created = batch.save()
    # Rows written by a concurrent planner (or an earlier run today) come back without a pk.
    by_key = {
        (m.owner_id, m.dedupe_key): m
        for m in Message.objects.filter(
            owner_id__in=owner_ids, dedupe_key__in=[m.dedupe_key for m in batch.messages]
        )
    }
    items = []
    for message, invoice, level in new_items:
        saved = message if message.pk else by_key.get((message.owner_id, message.dedupe_key))
        if saved is None or saved.status not in PENDING_STATUSES:
            continue
        items.append(
            ReminderItem(message=saved, invoice=invoice, level=level, amount_due=invoice.amount_due)
        )
    ReminderItem.objects.bulk_create(items, ignore_conflicts=True)
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
    _drop_items(superseded, now=now)
    # New messages were rendered with their full list; only extended ones need a new text.
    if extended:
        _rerender(Message.objects.filter(pk__in=extended), now=now)
    return len(created) + len(extended)


def _rerender(messages: QuerySet[Message], *, now: datetime.datetime) -> None:
    """Re-render unsent reminders from their items (amounts, list); cancel the empty ones."""
    messages = (
        messages.filter(status__in=list(PENDING_STATUSES))
        .select_related("client__owner__profile", "project")
        .prefetch_related(
            Prefetch(
                "reminder_items",
                queryset=ReminderItem.objects.select_related("invoice__project").order_by(
                    "invoice__due_on", "invoice_id"
                ),
            )
        )
    )
    messages = list(messages)
    overrides = overrides_for({message.owner_id for message in messages})
    freelancers: dict[int, dict[str, Any]] = {}
    for message in messages:
        items = list(message.reminder_items.all())
        if not items:
            Message.objects.filter(
                pk=message.pk, status__in=list(PENDING_STATUSES)
            ).update_of_owner(
                message.owner_id,
                status=Message.Status.CANCELLED,
                held_reason="No unpaid invoice left to remind of.",
                updated_at=now,
            )
            continue
        invoices = [item.invoice for item in items]
        client = message.client
        level = items[0].level
        rules_language = client.tone
        if message.owner_id not in freelancers:
            freelancers[message.owner_id] = freelancer_context(client.owner)
        rendered = message_render(
            owner_id=message.owner_id,
            kind=message.kind,
            language=rules_language.language,
            form=rules_language.form,
            sources=sources_for(message.owner_id, overrides),
            context=message_context(
                client=client,
                today=now.date(),
                freelancer=freelancers[message.owner_id],
                invoice=invoices[0],
                invoices=invoices,
                level=level,
                project=invoices[0].project,
            ),
        )
        Message.objects.filter(pk=message.pk, status__in=list(PENDING_STATUSES)).update_of_owner(
            message.owner_id,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            invoice=invoices[0],
            updated_at=now,
        )


def _drop_items(items: QuerySet[ReminderItem], *, now: datetime.datetime) -> int:
    """Remove invoices from unsent reminders; re-render or cancel what is left."""
    items = items.filter(message__status__in=list(PENDING_STATUSES))
    message_ids = set(items.values_list("message_id", flat=True))
    if not message_ids:
        return 0
    with transaction.atomic():
        items.delete()
        _rerender(Message.objects.filter(pk__in=message_ids), now=now)
    return len(message_ids)


def reminders_refresh(*, now: datetime.datetime | None = None) -> int:
    """Take paid, cancelled and paused invoices out of unsent reminders; update amounts.

    Safe to run twice. This is what makes "paid stops the reminders" correct even if
    ``reminders_cancel_for_invoice`` was never called.
    """
    now = now or timezone.now()
    today = now.date()
    pending = ReminderItem.objects.filter(message__status__in=list(PENDING_STATUSES))
    pauses = active_pauses(today)
    gone = pending.filter(
        ~Q(invoice__status__in=[Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID])
        | Exists(pauses.filter(invoice_id=OuterRef("invoice_id")))
        | Exists(pauses.filter(client_id=OuterRef("invoice__client_id")))
    )
    changed = _drop_items(gone, now=now)
    stale = pending.exclude(amount_due=F("invoice__total_gross") - F("invoice__amount_paid"))
    stale_rows = list(stale.select_related("invoice"))
    if stale_rows:
        for item in stale_rows:
            item.amount_due = item.invoice.amount_due
        ReminderItem.objects.bulk_update(stale_rows, ["amount_due"])
        _rerender(Message.objects.filter(pk__in={item.message_id for item in stale_rows}), now=now)
    return changed + len(stale_rows)


def reminders_cancel_for_invoice(*, invoice: Invoice) -> int:
    """Cancel every unsent reminder for ``invoice`` at once (call when it is paid or cancelled).

    A reminder that also lists other unpaid invoices keeps them and is re-rendered. Returns the
    number of messages touched; safe to run twice.
    """
    return _drop_items(ReminderItem.objects.filter(invoice=invoice), now=timezone.now())


def reminders_sync_for_invoice(*, invoice: Invoice) -> int:
    """Bring unsent reminders in line with a payment: paid/cancelled leave, partial re-renders.

    Call after recording a payment (or cancelling the invoice); safe to run twice.
    """
    if invoice.status not in {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}:
        return reminders_cancel_for_invoice(invoice=invoice)
    now = timezone.now()
    items = list(
        ReminderItem.objects.filter(
            invoice=invoice, message__status__in=list(PENDING_STATUSES)
        ).exclude(amount_due=invoice.amount_due)
    )
    for item in items:
        item.amount_due = invoice.amount_due
    ReminderItem.objects.bulk_update(items, ["amount_due"])
    _rerender(Message.objects.filter(pk__in={item.message_id for item in items}), now=now)
    return len(items)


def reminder_pause(
    *,
    reason: str,
    client: Client | None = None,
    invoice: Invoice | None = None,
    until_on: datetime.date | None = None,
) -> ReminderPause:
    """Pause reminders for a client or an invoice and withdraw unsent ones. Not idempotent."""
    target = client or invoice
    if target is None:
        raise ValueError("A pause needs a client or an invoice.")
    pause = ReminderPause.objects.create(
        owner_id=target.owner_id, client=client, invoice=invoice, reason=reason, until_on=until_on
    )
    reminders_refresh()
    return pause


def reminder_pause_lift(*, pause: ReminderPause) -> None:
    """Lift a pause; the next planner run plans what is due. Safe to run twice."""
    ReminderPause.objects.filter(pk=pause.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now()
    )


def reminder_letter_context(message: Message) -> dict[str, Any]:
    """Return what the PDF letter of a final notice shows (same wording as the e-mail)."""
    client = message.client
    profile = client.owner.profile_or_default
    items = list(message.reminder_items.select_related("invoice").order_by("invoice__due_on"))
    total = sum((item.invoice.amount_due for item in items), Decimal(0))
    return {
        "message": message,
        "client": client,
        "profile": profile,
        "items": items,
        "total": total,
        "currency": items[0].invoice.currency if items else "EUR",
        "language": client.language,
        "paragraphs": [p for p in message.body_text.split("\n\n") if p.strip()],
    }
