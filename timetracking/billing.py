"""Invoicing time and expenses: rounding, grouping into lines, the draft invoice, and what
happens to the entries when that invoice is issued or cancelled.

Rules (docs/time.md):

* Only billable time on no invoice, not turned into a change request, and not covered by a
  retainer (a retainer bills its own hours) is invoiced as time.
* Rounding is per entry, upwards, to the freelancer's step (exact, 6, 15 or 30 minutes); a
  line's hours are the sum of its entries' rounded durations, to the hundredth of an hour.
* A line holds one group (milestone, scope item or day) at one rate, so every line shows the
  hours as its quantity (unit "Std."/"hours", e-invoice unit code HUR) and the rate as its
  price; entries of one group at different rates make one line per rate.
* Creating the draft reserves the entries and expenses (they are on that invoice); issuing it
  marks them billed; cancelling it releases them; deleting the draft releases them too.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audit_record
from crm.models import AuditEntry
from projects.models import Invoice, InvoiceLine, Project

from .models import CENT, Expense, Grouping, Retainer, TimeEntry
from .services import TimeError, rate_for, settings_for
from .wording import date_text, words


def rounded_seconds(seconds: int, rounding: int) -> int:
    """Return ``seconds`` rounded up to the step of ``rounding`` minutes (0: exact)."""
    if not rounding:
        return int(seconds)
    step = int(rounding) * 60
    return math.ceil(int(seconds) / step) * step


def hours_from_seconds(seconds: int) -> Decimal:
    return (Decimal(int(seconds)) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def project_retainers(project: Project) -> list[Retainer]:
    """Return the retainers (with included hours) whose hours count the project's time: its
    own, and those of its client that cover all of the client's projects (own ones first)."""
    return list(
        Retainer.objects.filter(kind=Retainer.Kind.RETAINER)
        .filter(
            Q(project_id=project.pk) | Q(covers_client=True, project__client_id=project.client_id)
        )
        .select_related("project")
        .order_by("covers_client", "pk")
    )


def retainer_days(project: Project, retainers: list[Retainer] | None = None) -> Q:
    """Return a filter for the project's time that a retainer covers (its date ranges).

    A plain date filter from one small query: a correlated EXISTS per entry made the project
    page's figures take a second at 20,000 entries.
    """
    covered = Q(pk__in=[])
    for retainer in project_retainers(project) if retainers is None else retainers:
        days = Q(work_on__gte=retainer.starts_on)
        if retainer.ends_on is not None:
            days &= Q(work_on__lte=retainer.ends_on)
        covered |= days
    return covered


def unbilled_time(project: Project, until: datetime.date | None = None) -> QuerySet[TimeEntry]:
    """Return the project's billable time that is still to be invoiced as time."""
    entries = TimeEntry.objects.filter(
        project=project,
        is_billable=True,
        invoice__isnull=True,
        change_request__isnull=True,
    ).exclude(retainer_days(project))
    if until is not None:
        entries = entries.filter(work_on__lte=until)
    return entries


def unbilled_expenses(project: Project, until: datetime.date | None = None) -> QuerySet[Expense]:
    """Return the project's billable expenses that are on no invoice yet."""
    expenses = Expense.objects.filter(project=project, is_billable=True, invoice__isnull=True)
    if until is not None:
        expenses = expenses.filter(spent_on__lte=until)
    return expenses


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    entries: list[int] = field(default_factory=list)
    expenses: list[int] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def time_lines(
    entries: Iterable[TimeEntry],
    *,
    grouping: str,
    rounding: int,
    language: str,
    fallback_rate: Decimal | None,
) -> list[Line]:
    """Group entries into invoice lines (one per group and rate); rounding per entry."""
    groups: dict[tuple[Any, Decimal], dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: (e.work_on, e.started_at or timezone.now(), e.pk)):
        rate = entry.hourly_rate if entry.hourly_rate is not None else fallback_rate
        if rate is None:
            raise TimeError(
                _(
                    "Some entries have no hourly rate. Set one on the project, for the client or "
                    "in your time settings."
                )
            )
        key, label, sort = _group_of(entry, grouping=grouping, language=language)
        group = groups.get((key, rate))
        if group is None:
            group = groups[(key, rate)] = {
                "label": label,
                "sort": sort,
                "seconds": 0,
                "first": entry.work_on,
                "last": entry.work_on,
                "texts": [],
                "entries": [],
            }
        group["seconds"] += rounded_seconds(entry.seconds, rounding)
        group["first"] = min(group["first"], entry.work_on)
        group["last"] = max(group["last"], entry.work_on)
        if entry.description and entry.description not in group["texts"]:
            group["texts"].append(entry.description)
        group["entries"].append(entry.pk)
    lines = [
        Line(
            description=_group_text(groups[(key, rate)], grouping=grouping, language=language),
            quantity=hours_from_seconds(groups[(key, rate)]["seconds"]),
            unit=words(language)["hours"],
            unit_price=rate,
            entries=groups[(key, rate)]["entries"],
        )
        for key, rate in sorted(groups, key=lambda k: (groups[k]["sort"], k[1]))
    ]
    return [line for line in lines if line.quantity > 0]


def _group_of(entry: TimeEntry, *, grouping: str, language: str) -> tuple[Any, str, Any]:
    """Return the key, label and sort order of the entry's group (day, scope item, milestone)."""
    other = words(language)["other"]
    if grouping == Grouping.DAY:
        return entry.work_on, date_text(entry.work_on, language), (entry.work_on,)
    if grouping == Grouping.SCOPE:
        key = entry.scope_item_id
        label = entry.scope_item.title if entry.scope_item else other
        return (
            key,
            label,
            (entry.scope_item is None, getattr(entry.scope_item, "position", 0), key or 0),
        )
    key = entry.milestone_id
    label = entry.milestone.title if entry.milestone else other
    sort = (
        entry.milestone is None,
        getattr(entry.milestone, "due_on", None) or entry.work_on,
        key or 0,
    )
    return key, label, sort


def _group_text(group: dict[str, Any], *, grouping: str, language: str) -> str:
    """Return a line's text: the day with what was done, or the group with its dates."""
    if grouping == Grouping.DAY:
        description = group["label"]
        if group["texts"]:
            description += ": " + ", ".join(group["texts"])
    else:
        first, last = group["first"], group["last"]
        period = date_text(first, language)
        if last != first:
            period += " – " + date_text(last, language)
        description = f"{group['label']} ({period})"
    return description[:500]


def expense_lines(expenses: Iterable[Expense], *, language: str) -> list[Line]:
    """Return one line per expense: its net amount, with the markup if there is one."""
    word = words(language)
    lines = []
    for expense in sorted(expenses, key=lambda e: (e.spent_on, e.pk)):
        text = f"{word['expense']} {date_text(expense.spent_on, language)}: {expense.description}"
        if expense.markup_percent:
            markup = f"{expense.markup_percent.normalize():f}".replace(
                ".", "," if language == "de" else "."
            )
            text += " (" + word["markup"].format(markup=markup) + ")"
        lines.append(
            Line(
                description=text[:500],
                quantity=Decimal(1),
                unit=word["flat"],
                unit_price=expense.billed_amount,
                expenses=[expense.pk],
            )
        )
    return lines


@dataclass
class TimeInvoicePlan:
    """What an invoice from time would hold (shown before it is created)."""

    lines: list[Line]
    entries: list[TimeEntry]
    expenses: list[Expense]
    rounding: int
    grouping: str

    @property
    def hours(self) -> Decimal:
        return sum((line.quantity for line in self.lines if line.entries), Decimal(0))

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))


def time_invoice_plan(
    *,
    project: Project,
    grouping: str | None = None,
    until: datetime.date | None = None,
    include_expenses: bool = True,
    lock: bool = False,
) -> TimeInvoicePlan:
    """Return the lines an invoice from the project's unbilled time and expenses would have.

    With ``lock`` (inside a transaction) the rows are locked, so two requests at once cannot
    put the same entry on two invoices: the second waits, then finds them taken.
    """
    settings = settings_for(project.owner)
    grouping = grouping or settings.grouping
    entries_query = unbilled_time(project, until).select_related("milestone", "scope_item")
    expenses_query = unbilled_expenses(project, until)
    if lock:
        entries_query = entries_query.select_for_update(of=("self",))
        expenses_query = expenses_query.select_for_update()
    entries = list(entries_query)
    expenses = list(expenses_query) if include_expenses else []
    language = project.client.language
    lines = time_lines(
        entries,
        grouping=grouping,
        rounding=settings.rounding,
        language=language,
        fallback_rate=rate_for(project) if any(e.hourly_rate is None for e in entries) else None,
    )
    lines += expense_lines(expenses, language=language)
    return TimeInvoicePlan(
        lines=lines,
        entries=entries,
        expenses=expenses,
        rounding=settings.rounding,
        grouping=grouping,
    )


def invoice_from_time_create(
    *,
    project: Project,
    actor: Any,
    grouping: str | None = None,
    until: datetime.date | None = None,
    include_expenses: bool = True,
) -> Invoice:
    """Draft an invoice from the project's unbilled billable time (and expenses); the entries
    and expenses are reserved for it. Not idempotent: a second call finds nothing left and
    raises TimeError."""
    with transaction.atomic():
        plan = time_invoice_plan(
            project=project,
            grouping=grouping,
            until=until,
            include_expenses=include_expenses,
            lock=True,
        )
        if not plan.lines:
            raise TimeError(_("There is no unbilled time or expense to invoice."))
        days = [entry.work_on for entry in plan.entries] + [e.spent_on for e in plan.expenses]
        invoice = Invoice.objects.create(
            owner_id=project.owner_id,
            project=project,
            client=project.client,
            currency=project.currency,
            is_vat_exempt=project.is_vat_exempt,
            delivery_from=min(days),
            delivery_to=max(days),
        )
        vat = Decimal(0) if project.is_vat_exempt else project.vat_rate
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=index,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_rate=vat,
            )
            for index, line in enumerate(plan.lines, start=1)
        )
        reserved = [pk for line in plan.lines for pk in line.entries]
        TimeEntry.objects.filter(pk__in=reserved).update_of_owner(project.owner_id, invoice=invoice)
        Expense.objects.filter(pk__in=[e.pk for e in plan.expenses]).update_of_owner(
            project.owner_id, invoice=invoice
        )
        audit_record(
            owner=project.owner,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=invoice,
            changes={"time_entries": [None, len(reserved)], "expenses": [None, len(plan.expenses)]},
        )
    return invoice


# ---------------------------------------------------------------------------------------------
# Issued and cancelled (receivers call these inside the invoice service's transaction)


def invoice_time_bill(*, invoice: Invoice, now: datetime.datetime | None = None) -> int:
    """Mark the entries and expenses on an issued invoice billed (locked). Safe to run twice."""
    now = now or timezone.now()
    count = TimeEntry.objects.filter(invoice=invoice, billed_at__isnull=True).update_of_owner(
        invoice.owner_id, billed_at=now
    )
    count += Expense.objects.filter(invoice=invoice, billed_at__isnull=True).update_of_owner(
        invoice.owner_id, billed_at=now
    )
    return count


def invoice_time_release(*, invoice: Invoice) -> int:
    """Release the entries and expenses of a cancelled invoice (unbilled again). Idempotent."""
    count = TimeEntry.objects.filter(invoice=invoice).update_of_owner(
        invoice.owner_id, invoice=None, billed_at=None
    )
    count += Expense.objects.filter(invoice=invoice).update_of_owner(
        invoice.owner_id, invoice=None, billed_at=None
    )
    return count


def invoice_time_summary(invoice: Invoice) -> dict[str, Any]:
    """Return how many entries (and hours) and expenses an invoice bills."""
    seconds = 0
    count = 0
    for value in TimeEntry.objects.filter(invoice=invoice).values_list("seconds", flat=True):
        seconds += value
        count += 1
    return {"entries": count, "hours": hours_from_seconds(seconds)}
