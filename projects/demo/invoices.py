"""Demo invoices: issued for delivered, closed and some active projects, with gap-free numbers;
open, overdue, partly paid, paid, and cancelled by cancellation invoices."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.demo import DemoContext

from .. import documents
from ..models import Invoice, InvoiceLine, NumberSequence, Offer, OfferLine, Payment, Project
from ..models.lines import LINE_FIELDS
from ..selectors.project import project_pricing_lines
from .agreements import DAY

Status = Project.Status
# (invoice, its lines, what becomes of it: open / overdue / partly_paid / paid / cancelled)
Plan = tuple[Invoice, list[InvoiceLine], str]


def invoices_create(
    context: DemoContext,
    projects: list[Project],
    offers: list[Offer],
    lines_by_project: dict[int, list[OfferLine]],
    seller: dict[str, Any],
) -> list[Invoice]:
    """Issue invoices for delivered, closed and some active projects; gap-free numbers."""
    accepted = {o.project.pk: o for o in offers if o.status == Offer.Status.ACCEPTED}
    plans = [
        plan
        for index, project in enumerate(projects)
        if (plan := _plan(context, project, index, accepted, lines_by_project)) is not None
    ]
    # Gap-free numbers per year, in issue order (cancellation invoices take the next number).
    plans.sort(key=lambda plan: (plan[0].issued_on, plan[0].project.pk))
    counters: dict[int, int] = {}

    def next_number(day: datetime.date) -> str:
        counters[day.year] = counters.get(day.year, 0) + 1
        return f"{day.year}-{counters[day.year]:04d}"

    for invoice, lines, _fate in plans:
        invoice.number = next_number(invoice.issued_on)
        _freeze(invoice, lines, seller)
    Invoice.objects.bulk_create([plan[0] for plan in plans], batch_size=1000)
    InvoiceLine.objects.bulk_create(
        [line for _invoice, lines, _fate in plans for line in _bind(lines)], batch_size=2000
    )
    stornos = _settle(context, plans, next_number, seller)
    NumberSequence.objects.bulk_create(
        NumberSequence(
            owner=context.user, kind=NumberSequence.Kind.INVOICE, year=year, last_number=last
        )
        for year, last in counters.items()
    )
    return [plan[0] for plan in plans] + stornos


def _fate(project: Project, index: int) -> str:
    """Return what becomes of the project's invoice: paid or cancelled when the project is
    closed, overdue, partly paid or open when delivered, open while active."""
    if project.status == Status.CLOSED:
        return "cancelled" if index % 11 == 7 else "paid"
    if project.status == Status.DELIVERED:
        return ["overdue", "partly_paid", "open"][index % 3]
    return "open"


def _invoice_lines(
    invoice: Invoice, project: Project, index: int, lines_by_project: dict[int, list[OfferLine]]
) -> list[InvoiceLine]:
    """Return the invoice's lines (the accepted offer's, else the project pricing), now and then
    with a goodwill credit."""
    lines = [
        InvoiceLine(invoice=invoice, **{name: getattr(line, name) for name in LINE_FIELDS})
        for line in lines_by_project.get(project.pk) or []
    ] or [
        InvoiceLine(invoice=invoice, position=index, **line)
        for index, line in enumerate(project_pricing_lines(project), start=1)
    ]
    if index % 5 == 2 and lines and lines[0].net_amount > 0:
        # Now and then a goodwill credit: 5 % of the first line, so no VAT rate goes below zero.
        first = lines[0]
        german = project.client.language == "de"
        lines.append(
            InvoiceLine(
                invoice=invoice,
                position=len(lines) + 1,
                kind=InvoiceLine.Kind.GOODWILL,
                description="Für die spätere Lieferung" if german else "For the late delivery",
                quantity=Decimal(1),
                unit="pauschal" if german else "flat",
                unit_price=-(first.net_amount * Decimal("0.05")).quantize(Decimal("0.01")),
                vat_rate=first.vat_rate,
            )
        )
    return lines


def _plan(
    context: DemoContext,
    project: Project,
    index: int,
    accepted: dict[int, Offer],
    lines_by_project: dict[int, list[OfferLine]],
) -> Plan | None:
    """Return the project's invoice (not saved) and its fate, or None for no invoice."""
    rng, today = context.rng, context.today
    if project.status not in {Status.DELIVERED, Status.CLOSED, Status.ACTIVE}:
        return None
    if project.status == Status.ACTIVE and index % 4:
        return None
    issued = min(project.deadline_on, today - rng.randint(1, 40) * DAY)
    fate = _fate(project, index)
    if fate == "open":
        issued = today - rng.randint(0, 5) * DAY
    invoice = Invoice(
        owner=context.user,
        project=project,
        client=project.client,
        offer=accepted.get(project.pk),
        issued_on=issued,
        delivery_from=min(project.start_on, issued),
        delivery_to=min(project.deadline_on, issued),
        due_on=issued + project.payment_terms_days * DAY,
        currency=project.currency,
        is_vat_exempt=project.is_vat_exempt,
        status=Invoice.Status.OPEN,
    )
    if fate == "overdue":
        invoice.issued_on = today - (project.payment_terms_days + rng.randint(3, 40)) * DAY
        invoice.due_on = invoice.issued_on + project.payment_terms_days * DAY
        invoice.delivery_to = min(invoice.delivery_to, invoice.issued_on)
        invoice.delivery_from = min(invoice.delivery_from, invoice.delivery_to)
    return invoice, _invoice_lines(invoice, project, index, lines_by_project), fate


def _settle(
    context: DemoContext, plans: list[Plan], next_number: Any, seller: dict[str, Any]
) -> list[Invoice]:
    """Record the payments of paid and partly paid invoices, cancel the cancelled ones; return
    the cancellation invoices."""
    today = context.today
    payments: list[Payment] = []
    stornos: list[tuple[Invoice, list[InvoiceLine]]] = []
    for invoice, lines, fate in plans:
        if fate == "paid":
            paid_on = min(invoice.due_on, today)
            payments.append(Payment(invoice=invoice, paid_on=paid_on, amount=invoice.total_gross))
            invoice.status, invoice.amount_paid, invoice.paid_on = (
                Invoice.Status.PAID,
                invoice.total_gross,
                paid_on,
            )
        elif fate == "partly_paid":
            part = (invoice.total_gross / 2).quantize(Decimal("0.01"))
            paid_on = min(invoice.issued_on + 5 * DAY, today)
            payments.append(Payment(invoice=invoice, paid_on=paid_on, amount=part))
            invoice.status, invoice.amount_paid = Invoice.Status.PARTLY_PAID, part
        elif fate == "cancelled":
            invoice.status = Invoice.Status.CANCELLED
            day = min(invoice.issued_on + 10 * DAY, today)
            stornos.append(_cancellation(invoice, lines, day, next_number(day), seller))
    Invoice.objects.bulk_update(
        [plan[0] for plan in plans], ["status", "amount_paid", "paid_on"], batch_size=1000
    )
    Payment.objects.bulk_create(payments, batch_size=2000)
    Invoice.objects.bulk_create([s for s, _lines in stornos])
    InvoiceLine.objects.bulk_create([line for _s, lines in stornos for line in _bind(lines)])
    return [s for s, _lines in stornos]


def _cancellation(
    invoice: Invoice, lines: list[InvoiceLine], day: datetime.date, number: str, seller: Any
) -> tuple[Invoice, list[InvoiceLine]]:
    """Return the cancellation invoice of ``invoice`` (negative lines, frozen), not saved."""
    storno = Invoice(
        owner=invoice.owner,
        project=invoice.project,
        client=invoice.client,
        offer=invoice.offer,
        issued_on=day,
        delivery_from=invoice.delivery_from,
        delivery_to=invoice.delivery_to,
        due_on=day,
        currency=invoice.currency,
        is_vat_exempt=invoice.is_vat_exempt,
        status=Invoice.Status.CANCELLED,
        cancels=invoice,
        number=number,
    )
    storno_lines = [
        InvoiceLine(
            invoice=storno,
            **{name: getattr(line, name) for name in LINE_FIELDS} | {"quantity": -line.quantity},
        )
        for line in lines
    ]
    _freeze(storno, storno_lines, seller)
    return storno, storno_lines


def _bind(lines: list[InvoiceLine]) -> list[InvoiceLine]:
    # Re-assign the (now saved) invoice so the foreign key id is set.
    for line in lines:
        line.invoice = line.invoice
    return lines


def _freeze(invoice: Invoice, lines: list[InvoiceLine], seller: dict[str, Any]) -> None:
    snapshot = documents.invoice_snapshot(invoice, lines=lines, seller=seller)
    invoice.snapshot = snapshot
    invoice.total_net = Decimal(snapshot["totals"]["net"])
    invoice.total_vat = Decimal(snapshot["totals"]["vat"])
    invoice.total_gross = Decimal(snapshot["totals"]["gross"])
