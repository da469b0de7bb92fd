"""Invoices: create a draft, edit it, issue it (gap-free number, frozen), record payments,
cancel with a cancellation invoice, delete a draft. An issued invoice is never deleted."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audit_record
from crm.models import AuditEntry
from timeline.services import activity_record

from .. import documents, events
from ..models import Invoice, InvoiceLine, NumberSequence, Offer, Payment, Project
from ..models.lines import LINE_FIELDS
from ..selectors.project import project_pricing_lines
from . import ProjectError
from .lines import LineEdit, draft_update
from .numbering import number_next


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
    invoice = Invoice.objects.create(
        owner=project.owner,
        project=project,
        client=project.client,
        offer=offer,
        currency=project.currency,
        is_vat_exempt=project.is_vat_exempt,
        delivery_from=project.start_on,
        delivery_to=min(project.deadline_on, today) if project.deadline_on else today,
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
    snapshot = documents.invoice_snapshot(invoice)
    totals = snapshot["totals"]
    invoice.snapshot = snapshot
    invoice.total_net = Decimal(totals["net"])
    invoice.total_vat = Decimal(totals["vat"])
    invoice.total_gross = Decimal(totals["gross"])


def _number(invoice: Invoice, day: datetime.date) -> str:
    """Draw the invoice's gap-free number (``YYYY-NNNN``); inside the issuing transaction."""
    number = number_next(owner=invoice.owner, kind=NumberSequence.Kind.INVOICE, year=day.year)
    return f"{day.year}-{number:04d}"


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: Any, today: datetime.date | None = None) -> Invoice:
    """Number the draft (gap-free), freeze its data and PDF, mark it open.

    A second call is refused (issued already), so a number is never drawn twice.
    """
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT:
        raise ProjectError(_("This invoice has already been issued."))
    if not locked.lines.exists():
        raise ProjectError(_("An invoice needs at least one line item before it can be issued."))
    issued_on = locked.issued_on or today
    locked.number = _number(locked, issued_on)
    locked.issued_on = issued_on
    if locked.due_on is None:
        locked.due_on = issued_on + datetime.timedelta(days=locked.project.payment_terms_days)
    locked.delivery_from = locked.delivery_from or issued_on
    locked.delivery_to = locked.delivery_to or locked.delivery_from
    locked.status = Invoice.Status.OPEN
    _freeze(locked)
    locked.save()
    # Rendered once, here, after the number is drawn and before the transaction commits: an
    # invoice whose PDF or e-invoice XML cannot be built rolls back, number included.
    documents.document_freeze(invoice=locked)
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


def _refuse_payment(invoice: Invoice, amount: Decimal) -> None:
    if invoice.status not in {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}:
        raise ProjectError(
            _("Payments can only be recorded on an open invoice (this one is “%(s)s”).")
            % {"s": invoice.get_status_display()}
        )
    if amount <= 0:
        raise ProjectError(_("A payment must be more than zero."))
    if amount > invoice.amount_due:
        raise ProjectError(
            _("The payment (%(amount)s) is more than the amount due (%(due)s).")
            % {"amount": amount, "due": invoice.amount_due}
        )


@transaction.atomic
def invoice_record_payment(
    *, invoice: Invoice, amount: Decimal, paid_on: datetime.date, note: str = ""
) -> Invoice:
    """Record money received; sets partly paid or paid. The one place payment status changes.

    Not idempotent (two calls are two payments); the invoice row is locked so two payments
    recorded at once both count.
    """
    # Owner, client and project come along (the audit and timeline entries need them): three
    # queries fewer per payment, which a bank statement with thousands of payments feels.
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("owner", "client", "project")
        .get(pk=invoice.pk)
    )
    _refuse_payment(locked, amount)
    payment = Payment.objects.create(
        invoice=locked, amount=amount, paid_on=paid_on, note=note[:200]
    )
    old = locked.status
    locked.amount_paid += amount
    if locked.amount_paid >= locked.total_gross:
        locked.status = Invoice.Status.PAID
        locked.paid_on = paid_on
    else:
        locked.status = Invoice.Status.PARTLY_PAID
    locked.save(update_fields=["amount_paid", "status", "paid_on", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor="system",
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, locked.status], "payment": [None, str(amount)]},
    )
    activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Payment of %(amount)s received for %(number)s")
        % {"amount": amount, "number": locked.number},
        project=locked.project,
        invoice=locked,
    )
    # Paid: every unsent reminder is cancelled at once; partly paid: they show the new amount
    # (communications listens, in this transaction).
    events.invoice_payment_recorded.send(sender=Invoice, invoice=locked, payment=payment)
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
    storno.number = _number(storno, today)
    # A cancellation settles the original: it is not a claim on the client.
    storno.status = Invoice.Status.CANCELLED
    _freeze(storno)
    storno.save()
    documents.document_freeze(invoice=storno)
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
