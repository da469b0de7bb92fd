"""Payments on invoices: the one place payment status changes, for a payment entered by hand
(a batch of one), "mark as paid" and the thousands of a bank statement."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audit_entry
from crm.models import AuditEntry
from timeline.models import Activity
from timeline.services import activity_entry

from .. import events
from ..models import Invoice, Payment
from . import ProjectError

BATCH = 1000  # rows per bulk statement


@dataclass(frozen=True)
class PaymentIn:
    """A payment to record: money received on ``paid_on`` against the invoice ``invoice_id``.

    Payments with the same ``group`` (one bank credit that pays several invoices) are recorded
    all or none.
    """

    invoice_id: int
    amount: Decimal
    paid_on: datetime.date
    note: str = ""
    group: Hashable = None


@dataclass
class PaymentsRecorded:
    """What ``invoice_payments_record`` did: the new payments in the order given (``None`` where
    refused); the refusals, by group (by position for a payment without one), with the invoice
    that refused and why; and the locked invoices as the payments left them."""

    payments: list[Payment | None]
    invoices: dict[int, Invoice]
    refused: dict[Hashable, tuple[Invoice, str]] = field(default_factory=dict)


def _payment_refusal(invoice: Invoice, amount: Decimal) -> str:
    """Return why ``amount`` cannot be recorded on ``invoice`` as it stands now, or ``""``."""
    if invoice.status not in {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}:
        return _("Payments can only be recorded on an open invoice (this one is “%(s)s”).") % {
            "s": invoice.get_status_display()
        }
    if amount <= 0:
        return _("A payment must be more than zero.")
    if amount > invoice.amount_due:
        return _("The payment (%(amount)s) is more than the amount due (%(due)s).") % {
            "amount": amount,
            "due": invoice.amount_due,
        }
    return ""


def _payment_groups(payments: Sequence[PaymentIn]) -> dict[Hashable, list[int]]:
    """Return the positions of the payments by group (by position for a payment without one),
    groups in the order of their first payment."""
    groups: dict[Hashable, list[int]] = {}
    for index, payment in enumerate(payments):
        groups.setdefault(index if payment.group is None else payment.group, []).append(index)
    return groups


def _payments_apply(
    invoices: list[Invoice], payments: list[PaymentIn]
) -> tuple[list[tuple[str, str]], tuple[Invoice, str] | None]:
    """Apply ``payments`` to ``invoices`` (in memory) all or none; return the status change of
    each, or the invoice that refused and why (then every invoice is as it was)."""
    before = [
        (invoice, invoice.status, invoice.amount_paid, invoice.paid_on) for invoice in invoices
    ]
    changes = []
    for invoice, payment in zip(invoices, payments, strict=True):
        refusal = _payment_refusal(invoice, payment.amount)
        if refusal:
            for original, status, paid, paid_on in before:
                original.status, original.amount_paid, original.paid_on = status, paid, paid_on
            return [], (invoice, refusal)
        old = invoice.status
        invoice.amount_paid += payment.amount
        if invoice.amount_paid >= invoice.total_gross:
            invoice.status = Invoice.Status.PAID
            invoice.paid_on = payment.paid_on
        else:
            invoice.status = Invoice.Status.PARTLY_PAID
        changes.append((old, invoice.status))
    return changes, None


def _invoices_save_payments(invoices: list[Invoice], now: datetime.datetime) -> None:
    """Write the amount paid, status and paid-on date of ``invoices`` (locked by the caller).

    Those now paid in full take one UPDATE (the amount paid becomes the total; the date by a
    CASE over the payment dates, a few per statement); the partly paid a ``bulk_update``,
    whose CASE per row costs about 1 ms of CPU per invoice to build: too slow for the
    thousands of invoices a statement pays in full.
    """
    settled: dict[datetime.date, list[int]] = defaultdict(list)
    rest = []
    for invoice in invoices:
        invoice.updated_at = now
        if invoice.status == Invoice.Status.PAID and invoice.amount_paid == invoice.total_gross:
            settled[invoice.paid_on].append(invoice.pk)
        else:
            rest.append(invoice)
    if settled:
        Invoice.objects.filter(pk__in=[pk for pks in settled.values() for pk in pks]).update(
            status=Invoice.Status.PAID,
            amount_paid=F("total_gross"),
            paid_on=Case(
                *(When(pk__in=pks, then=Value(day)) for day, pks in settled.items()),
                output_field=models.DateField(),
            ),
            updated_at=now,
        )
    Invoice.objects.bulk_update(
        rest, ["amount_paid", "status", "paid_on", "updated_at"], batch_size=BATCH
    )


def _invoices_lock(payments: Sequence[PaymentIn]) -> dict[int, Invoice]:
    """Lock the invoices of ``payments`` in one query, in id order (two batches cannot
    deadlock), with owner, client and project (the audit and timeline entries need them)."""
    ids = sorted({payment.invoice_id for payment in payments})
    invoices: dict[int, Invoice] = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("owner", "client", "project")
        .order_by("pk")
        .in_bulk(ids)
    )
    if len(invoices) < len(ids):
        raise Invoice.DoesNotExist("No invoice to record this payment on.")
    return invoices


def _payment_audit(invoice: Invoice, payment: PaymentIn, old: str, new: str) -> AuditEntry:
    """Return the (unsaved) audit entry of ``payment``: the status change and the amount."""
    return audit_entry(
        owner=invoice.owner,
        actor="system",
        action=AuditEntry.Action.STATUS,
        obj=invoice,
        changes={"status": [old, new], "payment": [None, str(payment.amount)]},
    )


def _payment_activity(invoice: Invoice, payment: PaymentIn, now: datetime.datetime) -> Activity:
    """Return the (unsaved) timeline entry of ``payment``."""
    return activity_entry(
        client=invoice.client,
        kind="invoice",
        summary=_("Payment of %(amount)s received for %(number)s")
        % {"amount": payment.amount, "number": invoice.number},
        occurred_at=now,
        project=invoice.project,
        invoice=invoice,
    )


@transaction.atomic
def invoice_payments_record(
    *, payments: Sequence[PaymentIn], all_or_nothing: bool = True
) -> PaymentsRecorded:
    """Record money received against invoices; sets each partly paid or paid. The one place
    payment status changes: one payment entered by hand is a batch of one, a bank statement
    a batch of thousands.

    Writes, per payment, the payment, an audit entry and a timeline entry; then sends one
    ``invoice_payments_recorded`` event for the batch inside this transaction (communications
    cancels the unsent reminders of the paid invoices and re-renders those of the partly paid
    ones, in the same commit). The invoices are locked in one query, in id order (two batches
    cannot deadlock), and the writes are bulk writes: the query count does not grow with the
    number of payments (one statement per 1,000 rows).

    Payments are checked in order (groups in the order of their first payment), each against
    what the ones before it left. ``all_or_nothing``: the first refusal raises
    ``ProjectError`` and nothing is written. Otherwise a refusal drops the payment's group and
    is returned in ``refused``, and the others are recorded.
    Not idempotent (two calls are two payments); the row locks make payments recorded at the
    same time on one invoice all count.
    """
    invoices = _invoices_lock(payments)
    result = PaymentsRecorded(payments=[None] * len(payments), invoices=invoices)
    now = timezone.now()
    changed: dict[int, Invoice] = {}
    audits: list[AuditEntry] = []
    activities: list[Activity] = []
    for group, indexes in _payment_groups(payments).items():
        batch = [payments[index] for index in indexes]
        targets = [invoices[payment.invoice_id] for payment in batch]
        changes, refused = _payments_apply(targets, batch)
        if refused:
            if all_or_nothing:
                raise ProjectError(refused[1])
            result.refused[group] = refused
            continue
        for index, payment, invoice, (old, new) in zip(
            indexes, batch, targets, changes, strict=True
        ):
            result.payments[index] = Payment(
                invoice=invoice,
                amount=payment.amount,
                paid_on=payment.paid_on,
                note=payment.note[:200],
            )
            changed[invoice.pk] = invoice
            audits.append(_payment_audit(invoice, payment, old, new))
            activities.append(_payment_activity(invoice, payment, now))
    recorded = [payment for payment in result.payments if payment is not None]
    if not recorded:
        return result
    Payment.objects.bulk_create(recorded, batch_size=BATCH)
    _invoices_save_payments(list(changed.values()), now)
    AuditEntry.objects.bulk_create(audits, batch_size=BATCH)
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    # Paid: every unsent reminder is cancelled at once; partly paid: they show the new amount
    # (communications listens, in this transaction).
    events.invoice_payments_recorded.send(
        sender=Invoice, invoices=list(changed.values()), payments=recorded
    )
    return result


def invoice_record_payment(
    *, invoice: Invoice, amount: Decimal, paid_on: datetime.date, note: str = ""
) -> Invoice:
    """Record one payment entered by hand (``invoice_payments_record`` with a batch of one);
    sets partly paid or paid. Raises ``ProjectError`` if refused.

    Not idempotent (two calls are two payments).
    """
    recorded = invoice_payments_record(
        payments=[PaymentIn(invoice_id=invoice.pk, amount=amount, paid_on=paid_on, note=note)]
    )
    locked = recorded.invoices[invoice.pk]
    invoice.status, invoice.amount_paid, invoice.paid_on = (
        locked.status,
        locked.amount_paid,
        locked.paid_on,
    )
    return locked


def invoice_mark_paid(*, invoice: Invoice, paid_on: datetime.date) -> Invoice:
    """Record the remaining amount as paid on ``paid_on``. Safe to run twice (then a no-op)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status == Invoice.Status.PAID:
            return locked
        return invoice_record_payment(
            invoice=locked, amount=locked.amount_due, paid_on=paid_on, note="paid in full"
        )
