"""Retainers and recurring invoices: their periods, pro rata, and the planner that drafts the
invoices on the agreed day.

Rules (docs/time.md):

* Periods are calendar months, quarters (January, April, July, October) or years. A retainer
  is monthly.
* A retainer is billed in arrears: the invoice for a month is drafted on the agreed day of the
  next month, with the month's fee and the hours worked beyond the included ones at the
  overage rate, because only then are the month's hours complete. A plain recurring invoice
  is billed in advance: drafted on the agreed day of the period's first month (or on the start
  date, when that is later).
* A period the agreement covers only in part (it starts or ends inside it) is billed pro rata
  by days, included hours too, and the invoice says so.
* Time covered by a retainer (its project, or all of the client's projects) is billed by the
  retainer, never as separate time; billable expenses of the project go on the next draft.
* Never two invoices for one period: each period the planner handles gets a BillingPeriod row,
  unique per (retainer, period start), and the planner claims retainers with
  ``SELECT ... FOR UPDATE SKIP LOCKED``, re-reading their next due date under the lock.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import formats, timezone, translation

from crm.models import AuditEntry, Profile
from projects.models import Invoice, InvoiceLine

from .billing import hours_from_seconds, rounded_seconds
from .models import CENT, BillingPeriod, ClientRate, Expense, Retainer, TimeEntry, TimeSettings
from .wording import date_text, number_text, words

logger = logging.getLogger(__name__)

BATCH_SIZE = 250
# Retainers handled per run: a backlog (the first of the month with thousands due) is worked off
# over a few runs, five minutes apart, instead of in one long run.
PLAN_LIMIT = 500
DAY = datetime.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Periods


def period_containing(interval: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the calendar period of ``interval`` that holds ``day``."""
    if interval == Retainer.Interval.YEARLY:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    if interval == Retainer.Interval.QUARTERLY:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = datetime.date(day.year, first_month, 1)
        last_month = first_month + 2
        return start, datetime.date(
            day.year, last_month, calendar.monthrange(day.year, last_month)[1]
        )
    return (
        datetime.date(day.year, day.month, 1),
        datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]),
    )


def draft_day(retainer: Retainer, period_start: datetime.date) -> datetime.date:
    """Return the day the invoice of the period starting ``period_start`` is drafted."""
    _start, period_end = period_containing(retainer.interval, period_start)
    if retainer.kind == Retainer.Kind.RETAINER:
        month = period_end + DAY
        return datetime.date(month.year, month.month, retainer.invoice_day)
    day = datetime.date(period_start.year, period_start.month, retainer.invoice_day)
    return max(day, retainer.starts_on)


def schedule(retainer: Retainer, period_start: datetime.date | None) -> None:
    """Set the retainer's next period and the day its invoice is due (None: nothing left)."""
    if period_start is None or (retainer.ends_on and period_start > retainer.ends_on):
        retainer.next_period_on = None
        retainer.next_draft_on = None
        return
    retainer.next_period_on = period_start
    retainer.next_draft_on = draft_day(retainer, period_start)


def schedule_reset(retainer: Retainer) -> None:
    """Schedule from the last period already handled (after an edit, or a new retainer)."""
    last = (
        BillingPeriod.objects.filter(retainer_id=retainer.pk).order_by("-starts_on").first()
        if retainer.pk
        else None
    )
    if last is not None:
        schedule(retainer, last.ends_on + DAY)
    else:
        schedule(retainer, period_containing(retainer.interval, retainer.starts_on)[0])


@dataclass
class Coverage:
    """The part of a period an agreement covers."""

    period_start: datetime.date
    period_end: datetime.date
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def is_partial(self) -> bool:
        return self.days < self.period_days

    def share(self, amount: Decimal) -> Decimal:
        """Return ``amount`` pro rata by days (the whole amount for a whole period)."""
        if not self.is_partial:
            return amount
        return (amount * self.days / self.period_days).quantize(CENT, rounding=ROUND_HALF_UP)


def coverage(retainer: Retainer, period_start: datetime.date) -> Coverage:
    start, end = period_containing(retainer.interval, period_start)
    return Coverage(
        period_start=start,
        period_end=end,
        start=max(start, retainer.starts_on),
        end=min(end, retainer.ends_on) if retainer.ends_on else end,
    )


def period_label(retainer: Retainer, period_start: datetime.date, language: str) -> str:
    """Return "November 2026", "Q1 2027" or "2027" in the client's language."""
    if retainer.interval == Retainer.Interval.YEARLY:
        return str(period_start.year)
    if retainer.interval == Retainer.Interval.QUARTERLY:
        return f"Q{(period_start.month - 1) // 3 + 1} {period_start.year}"
    return _month_label(period_start, language)


@functools.lru_cache(maxsize=256)
def _month_label(month: datetime.date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(month, "F Y")


def pro_rata_text(retainer: Retainer, cover: Coverage, language: str) -> str:
    """Return the sentence that states a pro-rata amount on the invoice ("" if whole)."""
    if not cover.is_partial:
        return ""
    label = period_label(retainer, cover.period_start, language)
    first, last = date_text(cover.start, language), date_text(cover.end, language)
    if language == "de":
        reason = (
            f"Die Vereinbarung „{retainer.title}“ endet am {last}"
            if retainer.ends_on and cover.end == retainer.ends_on
            else f"Die Vereinbarung „{retainer.title}“ beginnt am {first}"
        )
        return (
            f"{reason}; der Betrag für {label} ist anteilig berechnet: {first} – {last}, "
            f"{cover.days} von {cover.period_days} Tagen."
        )
    reason = (
        f"The agreement “{retainer.title}” ends on {last}"
        if retainer.ends_on and cover.end == retainer.ends_on
        else f"The agreement “{retainer.title}” starts on {first}"
    )
    return (
        f"{reason}; the amount for {label} is charged pro rata: {first} – {last}, "
        f"{cover.days} of {cover.period_days} days."
    )


def notice_end(retainer: Retainer, today: datetime.date) -> datetime.date:
    """Return the earliest end if notice is given ``today``: notice period, then month end."""
    earliest = today + datetime.timedelta(days=retainer.notice_days)
    return period_containing(Retainer.Interval.MONTHLY, earliest)[1]


# ---------------------------------------------------------------------------------------------
# Hours of a retainer


def covered_entries(retainer: Retainer) -> Q:
    """Return the filter for time entries a retainer's hours count (its project or client)."""
    if retainer.covers_client:
        return Q(project__client_id=retainer.project.client_id)
    return Q(project_id=retainer.project_id)


def retainer_month(retainer: Retainer, day: datetime.date) -> dict[str, Any]:
    """Return the hours booked in the month of ``day`` against the hours it includes."""
    cover = coverage(retainer, period_containing(Retainer.Interval.MONTHLY, day)[0])
    seconds = (
        TimeEntry.objects.filter(covered_entries(retainer))
        .filter(work_on__gte=cover.start, work_on__lte=cover.end, is_billable=True)
        .aggregate(total=Sum("seconds"))["total"]
        or 0
    )
    included = cover.share(retainer.included_hours or Decimal(0))
    hours = hours_from_seconds(seconds)
    return {
        "start": cover.start,
        "end": cover.end,
        "hours": hours,
        "included": included,
        "overage": max(hours - included, Decimal(0)),
        "percent": int(hours * 100 / included) if included else 0,
    }


# ---------------------------------------------------------------------------------------------
# The planner


@dataclass
class Plan:
    retainer: Retainer
    cover: Coverage
    fee: Decimal = Decimal(0)
    included: Decimal = Decimal(0)
    seconds: int = 0
    entries: list[int] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    invoice: Invoice | None = None


def _zones(now: datetime.datetime) -> list[tuple[Q, datetime.date]]:
    """Return (owner filter, today) per time zone in use."""
    default = django_settings.TIME_ZONE
    names = set(Profile.objects.values_list("time_zone", flat=True).distinct()) | {default}
    groups = []
    for name in sorted(names):
        try:
            today = now.astimezone(zoneinfo.ZoneInfo(name)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        owners = Q(owner__profile__time_zone=name)
        if name == default:
            owners |= Q(owner__profile__isnull=True)
        groups.append((owners, today))
    return groups


# What drafting reads of a retainer, its project and client (less to load per row).
BATCH_FIELDS = (
    *(f.name for f in Retainer._meta.concrete_fields),
    "project__owner_id",
    "project__client_id",
    "project__currency",
    "project__is_vat_exempt",
    "project__vat_rate",
    "project__hourly_rate",
    "project__client__language",
)


def retainers_plan(
    *,
    now: datetime.datetime | None = None,
    owner_ids: Iterable[int] | None = None,
    batch_size: int = BATCH_SIZE,
    limit: int = PLAN_LIMIT,
) -> int:
    """Draft the invoice of every retainer period whose day has come; return how many.

    At most ``limit`` retainers are handled per run (the rest wait for the next run).

    Safe to run twice and to overlap: a run claims retainers in batches with SELECT ... FOR
    UPDATE SKIP LOCKED, so two runs never hold the same retainer; under the lock the row's
    next due date is read again (PostgreSQL re-checks the WHERE clause on the newest row), so
    a retainer another run just planned is skipped; and the unique (retainer, period start) of
    BillingPeriod turns any remaining race into an error that rolls the batch back instead of
    a second invoice. Each batch is one transaction.
    """
    now = now or timezone.now()
    drafted = handled = 0
    for owners, today in _zones(now):
        if owner_ids is not None:
            owners &= Q(owner_id__in=list(owner_ids))
        while handled < limit:
            with transaction.atomic():
                batch = list(
                    Retainer.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(owners, next_draft_on__lte=today)
                    .select_related("project__client")
                    .only(*BATCH_FIELDS)
                    .order_by("pk")[: min(batch_size, limit - handled)]
                )
                if not batch:
                    break
                handled += len(batch)
                drafted += _draft(batch, today, now)
    return drafted


def _draft(batch: list[Retainer], today: datetime.date, now: datetime.datetime) -> int:
    """Plan every due period of the locked retainers and write invoices, lines and periods."""
    plans: list[Plan] = []
    for retainer in batch:
        for _period in range(1000):
            if retainer.next_draft_on is None or retainer.next_draft_on > today:
                break
            cover = coverage(retainer, retainer.next_period_on)
            plans.append(Plan(retainer=retainer, cover=cover, fee=cover.share(retainer.amount)))
            schedule(retainer, cover.period_end + DAY)
    owner_ids = {r.owner_id for r in batch}
    time_settings = {
        row.owner_id: row for row in TimeSettings.objects.filter(owner_id__in=owner_ids)
    }
    _hours(plans, time_settings)
    _expenses(plans)
    invoices = _invoices(plans, time_settings)
    BillingPeriod.objects.bulk_create(
        [
            BillingPeriod(
                owner_id=plan.retainer.owner_id,
                retainer=plan.retainer,
                starts_on=plan.cover.period_start,
                ends_on=plan.cover.period_end,
                invoice=plan.invoice,
                fee=plan.fee,
                included_hours=plan.included,
                hours=hours_from_seconds(plan.seconds),
                overage_hours=max(hours_from_seconds(plan.seconds) - plan.included, Decimal(0)),
                note=pro_rata_text(
                    plan.retainer, plan.cover, plan.retainer.project.client.language
                )[:300],
            )
            for plan in plans
        ],
        batch_size=1000,
    )
    # One UPDATE per distinct next period (a batch has a few), not a CASE per row.
    schedules: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    for retainer in batch:
        schedules[(retainer.next_period_on, retainer.next_draft_on)].append(retainer.pk)
    for (next_period_on, next_draft_on), ids in schedules.items():
        Retainer.objects.filter(pk__in=ids).update(
            next_period_on=next_period_on, next_draft_on=next_draft_on
        )
    return invoices


def _hours(plans: list[Plan], time_settings: dict[int, TimeSettings]) -> None:
    """Give each retainer plan its unbilled billable hours (one query).

    An entry counts in the first period of its retainer that ends on or after its day: so time
    booked late for a month already drafted (or released by a cancelled invoice) goes on the
    next draft instead of being lost.
    """
    hourly = sorted(
        (p for p in plans if p.retainer.kind == Retainer.Kind.RETAINER),
        key=lambda p: p.cover.period_start,
    )
    if not hourly:
        return
    by_project: dict[int, list[Plan]] = defaultdict(list)
    by_client: dict[int, list[Plan]] = defaultdict(list)
    for plan in hourly:
        retainer = plan.retainer
        plan.included = plan.cover.share(retainer.included_hours or Decimal(0))
        if retainer.covers_client:
            by_client[retainer.project.client_id].append(plan)
        else:
            by_project[retainer.project_id].append(plan)
    rows = TimeEntry.objects.filter(
        Q(project_id__in=list(by_project)) | Q(project__client_id__in=list(by_client)),
        work_on__gte=min(p.retainer.starts_on for p in hourly),
        work_on__lte=max(p.cover.end for p in hourly),
        is_billable=True,
        invoice__isnull=True,
        change_request__isnull=True,
    ).values_list("pk", "owner_id", "project_id", "project__client_id", "work_on", "seconds")
    for pk, owner_id, project_id, client_id, work_on, seconds in rows:
        candidates = (*by_project.get(project_id, ()), *by_client.get(client_id, ()))
        plan = _first_plan(candidates, owner_id, work_on)
        if plan is not None:
            rounding = getattr(time_settings.get(owner_id), "rounding", 0)
            plan.seconds += rounded_seconds(seconds, rounding)
            plan.entries.append(pk)


def _first_plan(plans: Iterable[Plan], owner_id: int, day: datetime.date) -> Plan | None:
    """Return the first plan (project retainers before client-wide ones) that takes ``day``."""
    for plan in plans:
        retainer = plan.retainer
        if retainer.owner_id == owner_id and retainer.starts_on <= day <= plan.cover.end:
            return plan
    return None


def _expenses(plans: list[Plan]) -> None:
    """Give each plan the unbilled billable expenses of its project up to its period's end."""
    by_project: dict[int, list[Plan]] = defaultdict(list)
    for plan in sorted(plans, key=lambda p: p.cover.period_start):
        by_project[plan.retainer.project_id].append(plan)
    if not by_project:
        return
    for expense in Expense.objects.filter(
        project_id__in=list(by_project), is_billable=True, invoice__isnull=True
    ).order_by("spent_on", "pk"):
        for plan in by_project[expense.project_id]:
            if expense.spent_on <= plan.cover.end:
                plan.expenses.append(expense)
                break


def _rate(
    plan: Plan, time_settings: dict[int, TimeSettings], client_rates: dict[int, Decimal]
) -> Decimal:
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


def _invoices(plans: list[Plan], time_settings: dict[int, TimeSettings]) -> int:
    """Write one draft invoice per plan that has something to bill; return how many."""
    client_rates = dict(
        ClientRate.objects.filter(
            client_id__in={p.retainer.project.client_id for p in plans}
        ).values_list("client_id", "hourly_rate")
    )
    pending: list[tuple[Plan, list[dict[str, Any]]]] = []
    for plan in plans:
        retainer = plan.retainer
        project = retainer.project
        language = project.client.language
        word = words(language)
        label = period_label(retainer, plan.cover.period_start, language)
        lines: list[dict[str, Any]] = []
        note = pro_rata_text(retainer, plan.cover, language)
        if plan.fee > 0:
            description = f"{retainer.title} – {label}"
            if plan.cover.is_partial:
                description += (
                    f" (anteilig {plan.cover.days} von {plan.cover.period_days} Tagen)"
                    if language == "de"
                    else f" (pro rata, {plan.cover.days} of {plan.cover.period_days} days)"
                )
            monthly = retainer.interval == Retainer.Interval.MONTHLY
            lines.append(
                {
                    "description": description[:500],
                    "quantity": Decimal(1),
                    "unit": ("Monat" if language == "de" else "month") if monthly else word["flat"],
                    "unit_price": plan.fee,
                }
            )
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
                    "unit": word["hours"],
                    "unit_price": _rate(plan, time_settings, client_rates),
                }
            )
        from .billing import expense_lines

        for line in expense_lines(plan.expenses, language=language):
            lines.append(
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "unit_price": line.unit_price,
                }
            )
        if not lines:
            continue
        plan.invoice = Invoice(
            owner_id=retainer.owner_id,
            project=project,
            client_id=project.client_id,
            currency=project.currency,
            is_vat_exempt=project.is_vat_exempt,
            delivery_from=plan.cover.start,
            delivery_to=plan.cover.end,
            notes=note,
        )
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
    entry_invoice = {pk: plan.invoice.pk for plan, _lines in pending for pk in plan.entries}
    _attach(TimeEntry, entry_invoice)
    _attach(
        Expense,
        {expense.pk: plan.invoice.pk for plan, _lines in pending for expense in plan.expenses},
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                owner_id=plan.invoice.owner_id,
                actor="system",
                action=AuditEntry.Action.CREATE,
                object_type=Invoice._meta.label_lower,
                object_id=str(plan.invoice.pk),
                object_repr=f"{plan.retainer.title} – {plan.cover.period_start.isoformat()}"[:200],
                changes={"retainer": [None, plan.retainer.pk]},
            )
            for plan, _lines in pending
        ],
        batch_size=2000,
    )
    return len(pending)


def _attach(model: Any, invoice_of: dict[int, int]) -> None:
    """Put rows on their invoices (one UPDATE per invoice, in bulk for many)."""
    if not invoice_of:
        return
    rows = list(model.objects.filter(pk__in=list(invoice_of)).only("pk", "owner_id"))
    for row in rows:
        row.invoice_id = invoice_of[row.pk]
    model.objects.bulk_update(rows, ["invoice"], batch_size=1000)


# ---------------------------------------------------------------------------------------------
# Services for the freelancer's forms


def retainer_save(*, retainer: Retainer, actor: Any) -> Retainer:
    """Save a new or edited retainer and schedule its next invoice. Safe to run twice."""
    with transaction.atomic():
        if not retainer.pk:
            retainer.owner_id = actor.pk
        schedule_reset(retainer)
        retainer.save()
    return retainer


def retainer_end(*, retainer: Retainer, ends_on: datetime.date, actor: Any) -> Retainer:
    """End the agreement on ``ends_on`` (its last period is billed pro rata). Idempotent."""
    with transaction.atomic():
        locked = Retainer.objects.select_for_update().get(pk=retainer.pk)
        locked.ends_on = max(ends_on, locked.starts_on)
        schedule_reset(locked)
        locked.save()
    return locked
