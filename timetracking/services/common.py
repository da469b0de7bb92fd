"""What every time service shares: the error it raises, the checks on a write, the milestones
to re-forecast after one, and the hours of a set of entries."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from projects.models import Invoice, Milestone, Project, ScopeItem

from .. import forecasts
from ..models import CENT, Expense, TimeEntry


class TimeError(Exception):
    """A rule of time tracking said no; the message is shown to the freelancer as it is."""


def check_parts(
    project: Project, milestone: Milestone | None, scope_item: ScopeItem | None
) -> None:
    """Refuse a milestone or scope item of another project than the work's."""
    if milestone is not None and milestone.project_id != project.pk:
        raise TimeError(_("The milestone belongs to another project."))
    if scope_item is not None and scope_item.project_id != project.pk:
        raise TimeError(_("The scope item belongs to another project."))


def refuse_locked(entry: TimeEntry | Expense) -> None:
    """Refuse to change time or an expense that is on an invoice (a draft or an issued one)."""
    if entry.invoice_id is None:
        return
    invoice = Invoice.objects.filter(pk=entry.invoice_id).only("number", "status").first()
    if invoice is not None and invoice.status == Invoice.Status.DRAFT:
        raise TimeError(
            _("This is on a draft invoice. Delete the draft to change it, or issue it as it is.")
        )
    raise TimeError(
        _("This is billed on invoice %(number)s and locked. Cancel that invoice to change it.")
        % {"number": getattr(invoice, "number", "")}
    )


def milestones_touched(*milestone_ids: int | None) -> None:
    """Re-check the forecast from hours of the milestones whose booked time changed."""
    ids = {pk for pk in milestone_ids if pk}
    if ids:
        forecasts.forecasts_refresh(milestone_ids=ids)


def hours_of(queryset: QuerySet[TimeEntry]) -> Decimal:
    """Return the hours of the entries (to the hundredth)."""
    seconds = queryset.aggregate(total=Sum("seconds"))["total"] or 0
    return (Decimal(seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
