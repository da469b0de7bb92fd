"""Invoices: create a draft, edit it, issue it (gap-free number, frozen), cancel with a
cancellation invoice, delete a draft. An issued invoice is never deleted. Payments on them:
``projects.services.payments``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.audit import audit_record
from crm.models import AuditEntry
from crm.pdf import DocumentError
from crm.text import text_clean_data
from timeline.services import activity_record

from .. import documents, events
from ..einvoice.codes import vat_treatment_for
from ..models import Invoice, InvoiceLine, NumberSequence, Offer, Project
from ..models.lines import LINE_FIELDS
from ..selectors.invoices import MissingDetail, invoice_missing_details
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
