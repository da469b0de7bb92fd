"""Reads of time tracking for the pages: the week grid and the timer's state."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from projects.models import Project

from . import clock
from .billing import hours_from_seconds
from .forms import open_projects
from .models import TimeEntry, Timer
from .services import overlaps, settings_for, timer_cut_default, timer_running


@dataclass
class Cell:
    day: datetime.date
    seconds: int = 0
    count: int = 0
    editable: bool = True
    name: str = ""
    value: str = ""
    error: str = ""
    label: str = ""

    @property
    def hours(self) -> Decimal:
        return hours_from_seconds(self.seconds)


@dataclass
class Row:
    project: Project
    cells: list[Cell] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return sum(cell.seconds for cell in self.cells)

    @property
    def hours(self) -> Decimal:
        return hours_from_seconds(self.seconds)


# What the week view shows of an entry, its project, client and milestone.
WEEK_FIELDS = (
    "owner_id",
    "project_id",
    "milestone_id",
    "invoice_id",
    "work_on",
    "started_at",
    "ended_at",
    "seconds",
    "description",
    "is_billable",
    "is_out_of_scope",
    "billed_at",
    "project__title",
    "project__status",
    "project__client_id",
    "project__client__name",
    "milestone__title",
)


def week_grid(
    *, user: Any, monday: datetime.date, extra_project: Project | None = None
) -> dict[str, Any]:
    """Return the week's rows (one per project), cells, totals and entries (one query)."""
    sunday = monday + datetime.timedelta(days=6)
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    entries = list(
        TimeEntry.objects.owned_by(user)
        .filter(work_on__gte=monday, work_on__lte=sunday)
        .select_related("project__client", "milestone")
        .only(*WEEK_FIELDS)
        .order_by("work_on", "started_at", "pk")
    )
    projects: dict[int, Project] = {}
    by_cell: dict[tuple[int, datetime.date], list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        projects.setdefault(entry.project_id, entry.project)
        by_cell[(entry.project_id, entry.work_on)].append(entry)
    if extra_project is not None:
        projects.setdefault(extra_project.pk, extra_project)
    rows = _rows(projects.values(), days, by_cell)
    day_totals = [sum(row.cells[index].seconds for row in rows) for index in range(7)]
    overlapping = overlaps(entries)
    for entry in entries:
        entry.overlaps = entry.pk in overlapping
    return {
        "monday": monday,
        "sunday": sunday,
        "days": days,
        "rows": rows,
        "day_totals": [hours_from_seconds(s) for s in day_totals],
        "week_total": hours_from_seconds(sum(day_totals)),
        "client_totals": _client_totals(rows),
        "entries": entries,
        "overlap_count": len(overlapping),
        "billable_hours": hours_from_seconds(sum(e.seconds for e in entries if e.is_billable)),
    }


def _rows(
    projects: Iterable[Project],
    days: list[datetime.date],
    by_cell: dict[tuple[int, datetime.date], list[TimeEntry]],
) -> list[Row]:
    """Return a row per project (by client, then title) with a cell per day."""
    labels = {
        day: f"{date_format(day, 'l')}, {date_format(day, 'SHORT_DATE_FORMAT')}" for day in days
    }
    rows = []
    for project in sorted(projects, key=lambda p: (p.client.name.lower(), p.title.lower())):
        row = Row(project=project)
        for day in days:
            found = by_cell.get((project.pk, day), [])
            cell = Cell(
                day=day,
                seconds=sum(e.seconds for e in found),
                count=len(found),
                # Typed in place only while it holds one untimed, unbilled entry or none.
                editable=not found
                or (
                    len(found) == 1 and found[0].started_at is None and found[0].invoice_id is None
                ),
            )
            cell.name = f"c-{project.pk}-{day:%Y%m%d}"
            cell.label = f"{project.title}, {labels[day]}"
            cell.value = clock.hours_text(cell.seconds) if cell.seconds else ""
            row.cells.append(cell)
        rows.append(row)
    return rows


def _client_totals(rows: list[Row]) -> list[dict[str, Any]]:
    """Return the week's hours per client, most first."""
    clients: dict[int, dict[str, Any]] = {}
    for row in rows:
        client = row.project.client
        bucket = clients.setdefault(client.pk, {"client": client, "seconds": 0})
        bucket["seconds"] += row.seconds
    return [
        {"client": b["client"], "hours": hours_from_seconds(b["seconds"])}
        for b in sorted(clients.values(), key=lambda b: -b["seconds"])
    ]


def timer_state(user: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Return the running timer, its elapsed time and whether to ask "keep or cut?"."""
    now = now or timezone.now()
    timer: Timer | None = timer_running(user)
    if timer is None:
        return {"timer": None, "ask": False}
    settings = settings_for(user)
    elapsed = timer.elapsed(now)
    ask = timer.is_past_limit(now, settings.timer_limit_hours)
    suggested = timer_cut_default(timer, settings.timer_limit_hours)
    return {
        "timer": timer,
        "elapsed": clock.hours_text(int(elapsed.total_seconds())),
        "elapsed_seconds": int(elapsed.total_seconds()),
        "ask": ask,
        "limit_hours": settings.timer_limit_hours,
        "cut_default": timezone.localtime(min(suggested, now)).strftime("%Y-%m-%dT%H:%M"),
    }


def recent_projects(user: Any, limit: int = 6) -> list[Project]:
    """Return the open projects time was booked on most recently (for the timer menu)."""
    ids: list[int] = []
    for project_id in (
        TimeEntry.objects.owned_by(user)
        .order_by("-work_on", "-pk")
        .values_list("project_id", flat=True)[:200]
    ):
        if project_id not in ids:
            ids.append(project_id)
        if len(ids) >= limit * 2:
            break
    projects = {p.pk: p for p in open_projects(user).filter(pk__in=ids)}
    chosen = [projects[pk] for pk in ids if pk in projects][:limit]
    if len(chosen) < limit:
        for project in (
            open_projects(user)
            .filter(status=Project.Status.ACTIVE)
            .exclude(pk__in=[p.pk for p in chosen])[: limit - len(chosen)]
        ):
            chosen.append(project)
    return chosen
