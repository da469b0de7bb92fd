"""Demo data for time tracking (see crm.demo): a few weeks of time on the running projects
(timed and typed, some beyond the scope, one milestone past its estimate), expenses, one
monthly retainer and one quarterly recurring invoice whose due invoices the planner drafts.
Bulk inserts, so ``--clients 2000`` stays fast.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.demo import DemoContext
from projects.models import Milestone, Project

from . import forecasts, retainers
from .models import (
    BillingPeriod,
    ClientRate,
    Expense,
    HoursForecast,
    ProjectTimeSettings,
    Retainer,
    TimeEntry,
    Timer,
    TimeSettings,
)

DAY = datetime.timedelta(days=1)
WORK_DE = [
    "Entwurf Startseite",
    "Abstimmung per Telefon",
    "Umsetzung Unterseiten",
    "Korrekturen eingearbeitet",
    "Texte redigiert",
    "Bilder ausgewählt und bearbeitet",
    "Tests auf Mobilgeräten",
]
WORK_EN = [
    "Home page draft",
    "Call with the client",
    "Built the sub-pages",
    "Worked in the feedback",
    "Copy editing",
    "Image selection",
    "Mobile testing",
]
HOURLY_STATUSES = (Project.Status.ACTIVE, Project.Status.ON_HOLD, Project.Status.DELIVERED)


def wipe(user: Any) -> None:
    """Delete the demo user's time-tracking rows (retainers first: they protect projects)."""
    Timer.objects.filter(owner=user).delete()
    BillingPeriod.objects.filter(owner=user).delete()
    Retainer.objects.filter(owner=user).delete()
    HoursForecast.objects.filter(owner=user).delete()
    TimeEntry.objects.filter(owner=user).delete()
    Expense.objects.filter(owner=user).delete()
    ProjectTimeSettings.objects.filter(owner=user).delete()
    ClientRate.objects.filter(owner=user).delete()
    TimeSettings.objects.filter(owner=user).delete()


# The demo's expenses, one per busy project: text, gross amount, markup (%).
EXPENSES = [
    ("Bildlizenzen (Stockfotos)", Decimal("59.50"), Decimal(0)),
    ("Schriftlizenz Webfont", Decimal("119.00"), Decimal(10)),
    ("Bahnfahrt zum Workshop", Decimal("78.40"), Decimal(0)),
]


def seed(context: DemoContext) -> None:
    """Create time entries, expenses, a retainer and a recurring invoice for the demo user."""
    projects: list[Project] = [
        p for p in context.shared.get("projects", []) if p.status in HOURLY_STATUSES
    ]
    if not projects:
        return
    user = context.user
    TimeSettings.objects.create(owner=user, hourly_rate=Decimal("85.00"), rounding=15)
    milestones: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(project__in=projects, done_on__isnull=True):
        milestones.setdefault(milestone.project_id, []).append(milestone)
    busy = projects[:8]
    entries = _entries(context, busy, milestones)
    _budgets(context, busy, milestones, entries)
    _expenses(context, busy)
    _retainers(context, busy)
    forecasts.forecasts_refresh(owner_ids=[user.pk])


def _entries(
    context: DemoContext, busy: list[Project], milestones: dict[int, list[Milestone]]
) -> list[TimeEntry]:
    """Book six weeks of weekdays on one to three of the busy projects a day."""
    user, rng, today = context.user, context.rng, context.today
    entries: list[TimeEntry] = []
    for back in range(42, 0, -1):
        day = today - back * DAY
        if day.weekday() >= 5:
            continue
        clock_at = datetime.datetime.combine(day, datetime.time(8), datetime.UTC)
        for project in rng.sample(busy, k=min(len(busy), rng.randint(1, 3))):
            open_milestones = milestones.get(project.pk, [])
            minutes = rng.choice([45, 60, 90, 120, 150, 180])
            timed = rng.random() < 0.6
            entries.append(
                TimeEntry(
                    owner=user,
                    project=project,
                    milestone=rng.choice(open_milestones) if open_milestones else None,
                    work_on=day,
                    started_at=clock_at if timed else None,
                    ended_at=clock_at + datetime.timedelta(minutes=minutes) if timed else None,
                    seconds=minutes * 60,
                    description=rng.choice(WORK_DE if project.client.language == "de" else WORK_EN),
                    is_billable=rng.random() < 0.9,
                    hourly_rate=project.hourly_rate or Decimal("85.00"),
                    is_out_of_scope=rng.random() < 0.05,
                )
            )
            clock_at += datetime.timedelta(minutes=minutes + 30)
    TimeEntry.objects.bulk_create(entries, batch_size=2000)
    context.count("time entries", len(entries))
    return entries


def _budgets(
    context: DemoContext,
    busy: list[Project],
    milestones: dict[int, list[Milestone]],
    entries: list[TimeEntry],
) -> None:
    """Give the busiest project with open milestones an estimate it has nearly used up, and one
    milestone an estimate it has passed (at risk: a delay notice is drafted)."""
    booked: dict[int, int] = {}
    for entry in entries:
        if entry.milestone_id:
            booked[entry.milestone_id] = booked.get(entry.milestone_id, 0) + entry.seconds
    with_milestones = [p for p in busy if milestones.get(p.pk)] or busy
    first = with_milestones[0]
    project_seconds = sum(e.seconds for e in entries if e.project_id == first.pk)
    Project.objects.filter(pk=first.pk).update(
        estimated_hours=Decimal(max(int(project_seconds / 3600 / 0.85), 1))
    )
    for milestone in milestones.get(first.pk, [])[:1]:
        hours = booked.get(milestone.pk, 0) / 3600
        Milestone.objects.filter(pk=milestone.pk).update(
            estimated_hours=Decimal(max(int(hours * 0.8), 1))
        )
    ProjectTimeSettings.objects.create(owner=context.user, project=first, hours_in_portal=True)


def _expenses(context: DemoContext, busy: list[Project]) -> None:
    """Book the demo's expenses on the first busy projects, within the last month."""
    expenses = [
        Expense(
            owner=context.user,
            project=project,
            spent_on=context.today - context.rng.randint(3, 30) * DAY,
            description=text,
            amount=amount,
            vat_rate=Decimal("19.00"),
            is_billable=True,
            markup_percent=markup,
        )
        for project, (text, amount, markup) in zip(busy, EXPENSES, strict=False)
    ]
    Expense.objects.bulk_create(expenses)
    context.count("expenses", len(expenses))


def _retainers(context: DemoContext, busy: list[Project]) -> None:
    """Agree one monthly retainer (hours included) and one quarterly recurring invoice; the
    planner drafts what is due since they started, as it does every hour in production."""
    user, today = context.user, context.today
    care, hosting = busy[-1], busy[0]
    month_start = retainers.period_containing(Retainer.Interval.MONTHLY, today)[0]
    started = (month_start - DAY).replace(day=1) - DAY
    agreements = [
        Retainer(
            owner=user,
            kind=Retainer.Kind.RETAINER,
            project=care,
            title="Website-Betreuung" if care.client.language == "de" else "Website care",
            interval=Retainer.Interval.MONTHLY,
            amount=Decimal("900.00"),
            included_hours=Decimal("10.00"),
            overage_rate=Decimal("85.00"),
            starts_on=started.replace(day=1),
            notice_days=30,
            invoice_day=1,
        ),
        Retainer(
            owner=user,
            kind=Retainer.Kind.RECURRING,
            project=hosting,
            title="Hosting und Wartung" if hosting.client.language == "de" else "Hosting and care",
            interval=Retainer.Interval.QUARTERLY,
            amount=Decimal("240.00"),
            starts_on=retainers.period_containing(Retainer.Interval.QUARTERLY, today)[0],
            notice_days=90,
            invoice_day=5,
        ),
    ]
    for retainer in agreements:
        retainers.retainer_save(retainer=retainer, actor=user)
    context.count("retainers and recurring invoices", len(agreements))
    drafted = retainers.retainers_plan(now=context.now, owner_ids=[user.pk])
    context.count("invoices drafted by the retainer planner", drafted)
