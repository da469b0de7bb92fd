"""The draft invoices of planned periods: their lines (the fee, pro rata where the agreement
covers part of the period; the hours beyond the included ones; the project's expenses), the
entries and expenses put on them, and the audit entries. All in bulk, for a batch of plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm.models import AuditEntry
from projects.models import Invoice, InvoiceLine

from ..billing import expense_lines, hours_from_seconds
from ..models import ClientRate, Expense, Retainer, TimeEntry, TimeSettings
from ..wording import number_text, words
from .periods import Coverage, period_label, pro_rata_text


@dataclass
class Plan:
    """One due period of a retainer: what it bills, filled in by the planner step by step."""

    retainer: Retainer
    cover: Coverage
    fee: Decimal = Decimal(0)
    included: Decimal = Decimal(0)
    seconds: int = 0
    entries: list[int] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    invoice: Invoice | None = None


def _rate(
    plan: Plan, time_settings: dict[int, TimeSettings], client_rates: dict[int, Decimal]
) -> Decimal:
    """Return the rate of the extra hours: the retainer's, the project's, the client's, or the
    freelancer's default (the order of ``services.rate_for``, from rows already loaded)."""
    retainer = plan.retainer
    for rate in (
        retainer.overage_rate,
        retainer.project.hourly_rate,
        client_rates.get(retainer.project.client_id),
        getattr(time_settings.get(retainer.owner_id), "hourly_rate", None),
    ):
        if rate is not None:
            return rate
    return Decimal(0)


def _attach(model: Any, invoice_of: dict[int, int]) -> None:
    """Put rows on their invoices (one UPDATE per invoice, in bulk for many)."""
    if not invoice_of:
        return
    rows = list(model.objects.filter(pk__in=list(invoice_of)).only("pk", "owner_id"))
    for row in rows:
        row.invoice_id = invoice_of[row.pk]
    model.objects.bulk_update(rows, ["invoice"], batch_size=1000)


def invoices_write(plans: list[Plan], time_settings: dict[int, TimeSettings]) -> int:
    """Write one draft invoice per plan that has something to bill; return how many."""
    client_rates = dict(
        ClientRate.objects.filter(
            client_id__in={p.retainer.project.client_id for p in plans}
        ).values_list("client_id", "hourly_rate")
    )
    pending: list[tuple[Plan, list[dict[str, Any]]]] = []
    for plan in plans:
        lines = _lines(plan, rate=_rate(plan, time_settings, client_rates))
        if lines:
            plan.invoice = _invoice(plan)
            pending.append((plan, lines))
    if not pending:
        return 0
    Invoice.objects.bulk_create([plan.invoice for plan, _lines in pending], batch_size=1000)
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=plan.invoice,
                position=index,
                vat_rate=(
                    Decimal(0)
                    if plan.retainer.project.is_vat_exempt
                    else plan.retainer.project.vat_rate
                ),
                **line,
            )
            for plan, lines in pending
            for index, line in enumerate(lines, start=1)
        ],
        batch_size=2000,
    )
    _attach(TimeEntry, {pk: plan.invoice.pk for plan, _lines in pending for pk in plan.entries})
    _attach(
        Expense,
        {expense.pk: plan.invoice.pk for plan, _lines in pending for expense in plan.expenses},
    )
    AuditEntry.objects.bulk_create(
        [_audit_entry(plan) for plan, _lines in pending], batch_size=2000
    )
    return len(pending)


def _lines(plan: Plan, *, rate: Decimal) -> list[dict[str, Any]]:
    """Return the invoice lines of a plan (none: nothing to bill), in the client's language."""
    language = plan.retainer.project.client.language
    label = period_label(plan.retainer, plan.cover.period_start, language)
    lines: list[dict[str, Any]] = []
    if plan.fee > 0:
        lines.append(_fee_line(plan, label=label, language=language))
    hours = hours_from_seconds(plan.seconds)
    overage = max(hours - plan.included, Decimal(0))
    if overage > 0:
        lines.append(
            {
                "description": (
                    f"Zusätzliche Stunden {label}: {number_text(hours, language)} Std. "
                    f"gearbeitet, {number_text(plan.included, language)} Std. inklusive"
                    if language == "de"
                    else f"Extra hours {label}: {hours} h worked, {plan.included} h included"
                ),
                "quantity": overage,
                "unit": words(language)["hours"],
                "unit_price": rate,
            }
        )
    lines.extend(
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
        }
        for line in expense_lines(plan.expenses, language=language)
    )
    return lines


def _fee_line(plan: Plan, *, label: str, language: str) -> dict[str, Any]:
    """Return the line of the period's fee, saying so where it is charged pro rata."""
    retainer, cover = plan.retainer, plan.cover
    description = f"{retainer.title} – {label}"
    if cover.is_partial:
        description += (
            f" (anteilig {cover.days} von {cover.period_days} Tagen)"
            if language == "de"
            else f" (pro rata, {cover.days} of {cover.period_days} days)"
        )
    monthly = retainer.interval == Retainer.Interval.MONTHLY
    return {
        "description": description[:500],
        "quantity": Decimal(1),
        "unit": ("Monat" if language == "de" else "month") if monthly else words(language)["flat"],
        "unit_price": plan.fee,
    }


def _invoice(plan: Plan) -> Invoice:
    """Return the (unsaved) draft invoice of a plan, for its project and the covered days."""
    project = plan.retainer.project
    return Invoice(
        owner_id=plan.retainer.owner_id,
        project=project,
        client_id=project.client_id,
        currency=project.currency,
        is_vat_exempt=project.is_vat_exempt,
        delivery_from=plan.cover.start,
        delivery_to=plan.cover.end,
        notes=pro_rata_text(plan.retainer, plan.cover, project.client.language),
    )


def _audit_entry(plan: Plan) -> AuditEntry:
    """Return the audit entry of an invoice the planner drafted (the actor is the system)."""
    return AuditEntry(
        owner_id=plan.invoice.owner_id,
        actor="system",
        action=AuditEntry.Action.CREATE,
        object_type=Invoice._meta.label_lower,
        object_id=str(plan.invoice.pk),
        object_repr=f"{plan.retainer.title} – {plan.cover.period_start.isoformat()}"[:200],
        changes={"retainer": [None, plan.retainer.pk]},
    )
