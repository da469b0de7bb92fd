"""Invoices: create a draft, edit it, issue it (gap-free number, frozen), record payments,
cancel with a cancellation invoice, delete a draft. An issued invoice is never deleted."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.audit import audit_entry, audit_record
from crm.models import AuditEntry
from crm.pdf import DocumentError
from crm.text import text_clean_data
from timeline.models import Activity
from timeline.services import activity_entry, activity_record

from .. import documents, events
from ..einvoice.codes import vat_treatment_for
from ..models import Invoice, InvoiceLine, NumberSequence, Offer, Payment, Project
from ..models.lines import LINE_FIELDS
from ..selectors.invoices import MissingDetail, invoice_missing_details
from ..selectors.project import project_pricing_lines
from . import ProjectError
from .lines import LineEdit, draft_update
from .numbering import number_next

BATCH = 1000  # rows per bulk statement


@transaction.atomic
def invoice_create(
    *,
    project: Project,
    actor: Any,
    offer: Offer | None = None,
    today: datetime.date | None = None,
) -> Invoice:
    """Create a draft invoice from an accepted offer (its lines) or from the project's pricing.

    Not idempotent: each call makes another draft.
    """
    today = today or timezone.localdate()
    if offer is not None and offer.status != Offer.Status.ACCEPTED:
        raise ProjectError(_("Only an accepted offer can be turned into an invoice."))
    delivered_until = min(project.deadline_on, today) if project.deadline_on else today
    if project.start_on and delivered_until < project.start_on:
        # Invoiced before the work starts: the period is the one planned, never end-before-start
        # (EN 16931 BR-29).
        delivered_until = project.deadline_on or project.start_on
    invoice = Invoice.objects.create(
        owner=project.owner,
        project=project,
        client=project.client,
        offer=offer,
        currency=project.currency,
        is_vat_exempt=project.is_vat_exempt,
        vat_treatment=vat_treatment_for(
            buyer_country=project.client.country,
            buyer_vat_id=project.client.vat_id,
            is_business=project.client.kind == Client.Kind.COMPANY,
        ),
        delivery_from=project.start_on,
        delivery_to=delivered_until,
    )
    if offer is not None:
        lines = [
            {name: getattr(line, name) for name in LINE_FIELDS if name != "position"}
            for line in offer.lines.all()
        ]
    else:
        lines = project_pricing_lines(project)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=index, **line)
        for index, line in enumerate(lines, start=1)
    )
    audit_record(owner=invoice.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=invoice)
    return invoice


@transaction.atomic
def invoice_update(
    *, invoice: Invoice, fields: dict[str, Any], lines: list[LineEdit], actor: Any
) -> Invoice:
    """Save an edit of a draft invoice (dates, notes, lines), audited; an issued one is refused.

    Safe to run twice: the second call finds nothing changed and writes no audit entry.
    """
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT:
        raise ProjectError(_("An issued invoice cannot be changed; cancel it and issue a new one."))
    draft_update(document=locked, fields=fields, lines=lines, actor=actor)
    return locked


def _freeze(invoice: Invoice) -> None:
    snapshot, _changed = text_clean_data(documents.invoice_snapshot(invoice))
    totals = snapshot["totals"]
    invoice.snapshot = snapshot
    invoice.total_net = Decimal(totals["net"])
    invoice.total_vat = Decimal(totals["vat"])
    invoice.total_gross = Decimal(totals["gross"])


def _refuse_unknown_country(invoice: Invoice) -> None:
    """An e-invoice needs both parties' ISO country codes: a country typed as text that was
    not recognised must be chosen first (it is never guessed)."""
    profile = invoice.owner.profile_or_default
    if profile.country_unrecognised or not profile.country:
        raise ProjectError(_("Choose your country in the settings first; the e-invoice needs it."))
    if invoice.client.country_unrecognised:
        raise ProjectError(
            _(
                "Choose the country of %(client)s first: “%(typed)s” was not recognised, and "
                "the e-invoice needs the country."
            )
            % {"client": invoice.client.name, "typed": invoice.client.country_unrecognised}
        )


def _freeze_numbered(invoice: Invoice, day: datetime.date) -> None:
    """Freeze ``invoice`` (status already set) under its newly drawn gap-free number."""
    _refuse_unknown_country(invoice)
    invoice.number = _number(invoice, day)
    _freeze(invoice)


def _document_store(invoice: Invoice) -> None:
    """Render and store the issued invoice's PDF and e-invoice once, or refuse to issue it.

    Inside the issuing transaction, after the number is drawn: an invoice that could never be
    downloaded rolls back with its number, which stays free for the next one.
    """
    try:
        documents.document_freeze(invoice=invoice)
    except DocumentError as error:
        raise ProjectError(
            _(
                "The invoice cannot be issued: its PDF or e-invoice could not be built (%(e)s). "
                "Check the texts of the client, the project and the line items, and your "
                "business details; the number was not used."
            )
            % {"e": error}
        ) from error


def _number(invoice: Invoice, day: datetime.date) -> str:
    """Draw the invoice's gap-free number (``YYYY-NNNN``); inside the issuing transaction."""
    number = number_next(owner=invoice.owner, kind=NumberSequence.Kind.INVOICE, year=day.year)
    return f"{day.year}-{number:04d}"


class InvoiceIncomplete(ProjectError):
    """The invoice lacks details § 14 UStG requires; ``missing`` says which and where."""

    def __init__(self, missing: list[MissingDetail]) -> None:
        self.missing = missing
        super().__init__(
            _("The invoice cannot be issued yet; missing: %(missing)s.")
            % {"missing": ", ".join(detail.label for detail in missing)}
        )


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: Any, today: datetime.date | None = None) -> Invoice:
    """Number the draft (gap-free), freeze its data and PDF, mark it open.

    Refused, with the number still free, if its PDF or e-invoice cannot be built. A second
    call is refused (issued already), so a number is never drawn twice. Refused with
    ``InvoiceIncomplete`` while the seller's address, tax number or VAT ID (or, for the reverse
    charge, a VAT ID) is missing: such an invoice is not one under § 14 UStG.
    """
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT:
        raise ProjectError(_("This invoice has already been issued."))
    if not locked.lines.exists():
        raise ProjectError(_("An invoice needs at least one line item before it can be issued."))
    missing = invoice_missing_details(locked)
    if missing:
        raise InvoiceIncomplete(missing)
    issued_on = locked.issued_on or today
    locked.issued_on = issued_on
    if locked.due_on is None:
        locked.due_on = issued_on + datetime.timedelta(days=locked.project.payment_terms_days)
    locked.delivery_from = locked.delivery_from or issued_on
    locked.delivery_to = locked.delivery_to or locked.delivery_from
    locked.status = Invoice.Status.OPEN
    _freeze_numbered(locked, issued_on)
    locked.save()
    _document_store(locked)
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": ["draft", "open"], "number": ["", locked.number]},
    )
    activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Invoice %(number)s issued") % {"number": locked.number},
        project=locked.project,
        invoice=locked,
    )
    events.invoice_issued.send(sender=Invoice, invoice=locked, actor=actor)
    return locked


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
    ids = sorted({payment.invoice_id for payment in payments})
    # Owner, client and project come along: the audit and timeline entries need them.
    invoices: dict[int, Invoice] = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("owner", "client", "project")
        .order_by("pk")
        .in_bulk(ids)
    )
    if len(invoices) < len(ids):
        raise Invoice.DoesNotExist("No invoice to record this payment on.")
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
            audits.append(
                audit_entry(
                    owner=invoice.owner,
                    actor="system",
                    action=AuditEntry.Action.STATUS,
                    obj=invoice,
                    changes={
                        "status": [old, new],
                        "payment": [None, str(payment.amount)],
                    },
                )
            )
            activities.append(
                activity_entry(
                    client=invoice.client,
                    kind="invoice",
                    summary=_("Payment of %(amount)s received for %(number)s")
                    % {"amount": payment.amount, "number": invoice.number},
                    occurred_at=now,
                    project=invoice.project,
                    invoice=invoice,
                )
            )
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


def _cancellation(invoice: Invoice, today: datetime.date) -> Invoice:
    """Create the cancellation invoice of ``invoice``: negative lines, its own number, frozen."""
    storno = Invoice.objects.create(
        owner=invoice.owner,
        project=invoice.project,
        client=invoice.client,
        offer=invoice.offer,
        currency=invoice.currency,
        is_vat_exempt=invoice.is_vat_exempt,
        vat_treatment=invoice.vat_treatment,
        delivery_from=invoice.delivery_from,
        delivery_to=invoice.delivery_to,
        cancels=invoice,
        issued_on=today,
        due_on=today,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=storno,
            **{name: getattr(line, name) for name in LINE_FIELDS} | {"quantity": -line.quantity},
        )
        for line in invoice.lines.all()
    )
    # A cancellation settles the original: it is not a claim on the client.
    storno.status = Invoice.Status.CANCELLED
    _freeze_numbered(storno, today)
    storno.save()
    _document_store(storno)
    return storno


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: Any, today: datetime.date | None = None) -> Invoice:
    """Cancel an issued invoice with a cancellation invoice (negative lines, own number).

    A second call is refused (cancelled already): one cancellation invoice per invoice.
    """
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Invoice.Status.DRAFT:
        raise ProjectError(_("A draft has no number yet: delete it instead of cancelling it."))
    if locked.status == Invoice.Status.CANCELLED:
        raise ProjectError(_("This invoice has already been cancelled."))
    if locked.cancels_id:
        raise ProjectError(_("A cancellation invoice cannot itself be cancelled."))
    storno = _cancellation(locked, today)
    old = locked.status
    locked.status = Invoice.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, "cancelled"], "cancelled_by": [None, storno.number]},
    )
    audit_record(owner=storno.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=storno)
    activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Invoice %(number)s cancelled by %(storno)s")
        % {"number": locked.number, "storno": storno.number},
        project=locked.project,
        invoice=storno,
    )
    events.invoice_cancelled.send(sender=Invoice, invoice=locked, cancellation=storno, actor=actor)
    return storno


@transaction.atomic
def invoice_delete(*, invoice: Invoice, actor: Any) -> None:
    """Delete a draft invoice; an issued one is refused (cancel it instead). Call once."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT or locked.number:
        raise ProjectError(
            _(
                "An issued invoice is never deleted (the law requires it to be kept). "
                "Cancel it with a cancellation invoice instead."
            )
        )
    audit_record(owner=locked.owner, actor=actor, action=AuditEntry.Action.DELETE, obj=locked)
    locked.delete()
