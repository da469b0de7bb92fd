"""The planner: claim the retainers whose invoice day has come, plan each due period (fee,
hours, expenses), and write the billing periods and the next due dates."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Profile

from ..billing import hours_from_seconds, rounded_seconds
from ..models import BillingPeriod, Expense, Retainer, TimeEntry, TimeSettings
from .invoices import Plan, invoices_write
from .periods import DAY, coverage, pro_rata_text, schedule

BATCH_SIZE = 250
# Retainers handled per run: a backlog (the first of the month with thousands due) is worked off
# over a few runs, five minutes apart, instead of in one long run.
PLAN_LIMIT = 500


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
                drafted += _draft(batch, today)
    return drafted


def _draft(batch: list[Retainer], today: datetime.date) -> int:
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
    invoices = invoices_write(plans, time_settings)
    BillingPeriod.objects.bulk_create([_billing_period(plan) for plan in plans], batch_size=1000)
    _schedules_write(batch)
    return invoices


def _billing_period(plan: Plan) -> BillingPeriod:
    """Return the (unsaved) record that the plan's period has been dealt with."""
    hours = hours_from_seconds(plan.seconds)
    return BillingPeriod(
        owner_id=plan.retainer.owner_id,
        retainer=plan.retainer,
        starts_on=plan.cover.period_start,
        ends_on=plan.cover.period_end,
        invoice=plan.invoice,
        fee=plan.fee,
        included_hours=plan.included,
        hours=hours,
        overage_hours=max(hours - plan.included, Decimal(0)),
        note=pro_rata_text(plan.retainer, plan.cover, plan.retainer.project.client.language)[:300],
    )


def _schedules_write(batch: list[Retainer]) -> None:
    """Store the retainers' next periods and due days, set while planning."""
    # One UPDATE per distinct next period (a batch has a few), not a CASE per row.
    schedules: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    for retainer in batch:
        schedules[(retainer.next_period_on, retainer.next_draft_on)].append(retainer.pk)
    for (next_period_on, next_draft_on), ids in schedules.items():
        Retainer.objects.filter(pk__in=ids).update(
            next_period_on=next_period_on, next_draft_on=next_draft_on
        )


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
