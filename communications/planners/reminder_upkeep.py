"""Keeping unsent payment reminders true: payments, cancellations and pauses ("Mahnstopp").

Paid, cancelled or paused invoices leave every unsent (draft, scheduled, held) reminder at once
(``reminders_sync_for_invoices`` from the projects events, and ``reminders_refresh`` on every
planner run, so correctness does not depend on the event); a message left without invoices is
cancelled, one with invoices left is re-rendered. A partial payment re-renders the amount.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client
from projects.models import Invoice

from ..context import freelancer_context, message_context
from ..models import PENDING_STATUSES, Message, ReminderItem, ReminderPause
from ..rendering import Rendered, message_render, overrides_for, sources_for

# Invoices a reminder may still ask for.
UNPAID = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)


def active_pauses(today: datetime.date) -> QuerySet[ReminderPause]:
    """Return the pauses in force on ``today`` (not lifted, not ended)."""
    return ReminderPause.objects.filter(lifted_at__isnull=True).filter(
        Q(until_on__isnull=True) | Q(until_on__gte=today)
    )


# Days the client gets to pay, from the day the reminder is written: a concrete date in the text.
PAY_WITHIN_DAYS = {1: 7, 2: 7, 3: 10}


# When reminders listing an invoice went out: invoice id -> [(level, sent at), ...].
SentReminders = dict[int, list[tuple[int, datetime.datetime]]]


def reminders_sent_for(invoice_ids: Iterable[int]) -> SentReminders:
    """Return when reminders for these invoices were sent, by invoice (one query)."""
    sent: SentReminders = defaultdict(list)
    rows = ReminderItem.objects.filter(
        invoice_id__in=list(invoice_ids), message__status=Message.Status.SENT
    ).values_list("invoice_id", "level", "message__sent_at")
    for invoice_id, level, sent_at in rows:
        if sent_at is not None:
            sent[invoice_id].append((level, sent_at))
    return sent


def reminder_facts(
    invoices: list[Invoice],
    level: int,
    today: datetime.date,
    sent: SentReminders | None = None,
) -> dict[str, Any]:
    """Return what a reminder of ``level`` may say about itself.

    ``reminders_sent``: the days earlier reminders for these invoices were actually sent, oldest
    first (a text says "as I wrote on ..." only with these); ``pay_by``: the date to pay by.
    ``sent`` is ``reminders_sent_for`` loaded up front for many messages; without it, one query.
    """
    if level == 1:  # nothing comes before the friendly note: no query
        return {"reminders_sent": [], "pay_by": today + datetime.timedelta(days=PAY_WITHIN_DAYS[1])}
    if sent is None:
        sent = reminders_sent_for(invoice.pk for invoice in invoices)
    days = {
        timezone.localdate(moment)
        for invoice in invoices
        for sent_level, moment in sent.get(invoice.pk, [])
        if sent_level < level
    }
    return {
        "reminders_sent": sorted(days),
        "pay_by": today + datetime.timedelta(days=PAY_WITHIN_DAYS[level]),
    }


def _reminder_render(
    message: Message,
    items: list[ReminderItem],
    *,
    sources: dict[tuple[str, str, str], Any],
    freelancer: dict[str, Any],
    now: datetime.datetime,
    sent: SentReminders,
) -> Rendered:
    """Render ``message`` again from its items (the invoices it lists, oldest first)."""
    invoices = [item.invoice for item in items]
    client = message.client
    tone = client.tone
    return message_render(
        owner_id=message.owner_id,
        kind=message.kind,
        language=tone.language,
        form=tone.form,
        sources=sources,
        context=message_context(
            client=client,
            today=now.date(),
            freelancer=freelancer,
            invoice=invoices[0],
            invoices=invoices,
            level=items[0].level,
            project=invoices[0].project,
            **reminder_facts(invoices, items[0].level, now.date(), sent),
        ),
    )


def reminders_rerender(messages: QuerySet[Message], *, now: datetime.datetime) -> None:
    """Re-render unsent reminders from their items (amounts, list); cancel the empty ones.

    Safe to run twice. Each write is conditional on the message still being unsent, so a
    dispatcher that claimed it meanwhile keeps the text it sends.
    """
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
    # Messages left without invoices (all paid, say, by one bank statement): one UPDATE.
    empty = [message.pk for message in messages if not message.reminder_items.all()]
    if empty:
        Message.objects.filter(pk__in=empty).withdraw(
            reason="No unpaid invoice left to remind of.", now=now
        )
    overrides = overrides_for({message.owner_id for message in messages})
    sent = reminders_sent_for(
        item.invoice_id
        for message in messages
        if message.kind != Message.Kind.REMINDER_1
        for item in message.reminder_items.all()
    )
    freelancers: dict[int, dict[str, Any]] = {}
    for message in messages:
        items = list(message.reminder_items.all())
        if not items:
            continue
        if message.owner_id not in freelancers:
            freelancers[message.owner_id] = freelancer_context(message.client.owner)
        rendered = _reminder_render(
            message,
            items,
            sources=sources_for(message.owner_id, overrides),
            freelancer=freelancers[message.owner_id],
            now=now,
            sent=sent,
        )
        Message.objects.filter(pk=message.pk, status__in=list(PENDING_STATUSES)).update_of_owner(
            message.owner_id,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            invoice=items[0].invoice,
            updated_at=now,
        )


def reminder_items_drop(items: QuerySet[ReminderItem], *, now: datetime.datetime) -> int:
    """Remove invoices from unsent reminders; re-render or cancel what is left.

    Returns the number of messages touched; safe to run twice.
    """
    items = items.filter(message__status__in=list(PENDING_STATUSES))
    message_ids = set(items.values_list("message_id", flat=True))
    if not message_ids:
        return 0
    with transaction.atomic():
        items.delete()
        reminders_rerender(Message.objects.filter(pk__in=message_ids), now=now)
    return len(message_ids)


def reminders_refresh(*, now: datetime.datetime | None = None) -> int:
    """Take paid, cancelled and paused invoices out of unsent reminders; update amounts.

    Safe to run twice. This is what makes "paid stops the reminders" correct even if
    ``reminders_sync_for_invoices`` was never called.
    """
    now = now or timezone.now()
    today = now.date()
    pending = ReminderItem.objects.filter(message__status__in=list(PENDING_STATUSES))
    pauses = active_pauses(today)
    gone = pending.filter(
        ~Q(invoice__status__in=UNPAID)
        | Exists(pauses.filter(invoice_id=OuterRef("invoice_id")))
        | Exists(pauses.filter(client_id=OuterRef("invoice__client_id")))
    )
    changed = reminder_items_drop(gone, now=now)
    stale = pending.exclude(amount_due=F("invoice__total_gross") - F("invoice__amount_paid"))
    stale_rows = list(stale.select_related("invoice"))
    if stale_rows:
        for item in stale_rows:
            item.amount_due = item.invoice.amount_due
        ReminderItem.objects.bulk_update(stale_rows, ["amount_due"])
        reminders_rerender(
            Message.objects.filter(pk__in={item.message_id for item in stale_rows}), now=now
        )
    return changed + len(stale_rows)


def reminders_cancel_for_invoice(*, invoice: Invoice) -> int:
    """Cancel every unsent reminder for ``invoice`` at once (call when it is paid or cancelled).

    A reminder that also lists other unpaid invoices keeps them and is re-rendered. Returns the
    number of messages touched; safe to run twice.
    """
    return reminder_items_drop(ReminderItem.objects.filter(invoice=invoice), now=timezone.now())


def reminders_sync_for_invoices(*, invoices: Iterable[Invoice]) -> int:
    """Bring unsent reminders in line with payments or cancellations: paid and cancelled
    invoices leave them (a reminder left with none is cancelled), partly paid ones re-render
    with the new amount due.

    Called by the projects events (payments recorded, invoice cancelled) in their transaction,
    for any number of invoices with the same queries (one when no reminder is pending; more
    only per reminder re-rendered). Returns the number of messages touched; safe to run twice.
    """
    due = {invoice.pk: invoice for invoice in invoices}
    items = list(
        ReminderItem.objects.filter(
            invoice_id__in=list(due), message__status__in=list(PENDING_STATUSES)
        ).only("pk", "message_id", "invoice_id", "amount_due")
    )
    if not items:
        return 0
    gone = {item.pk for item in items if due[item.invoice_id].status not in UNPAID}
    stale = [
        item
        for item in items
        if due[item.invoice_id].status in UNPAID
        and item.amount_due != due[item.invoice_id].amount_due
    ]
    for item in stale:
        item.amount_due = due[item.invoice_id].amount_due
    touched = {item.message_id for item in items if item.pk in gone} | {
        item.message_id for item in stale
    }
    if not touched:
        return 0
    with transaction.atomic():
        if gone:
            ReminderItem.objects.filter(pk__in=gone).delete()
        ReminderItem.objects.bulk_update(stale, ["amount_due"])
        reminders_rerender(Message.objects.filter(pk__in=touched), now=timezone.now())
    return len(touched)


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
