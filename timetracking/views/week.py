"""The timesheet: a week of projects by days, typed in place; and the export of a date range."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.access import access_project
from projects.models import Project
from projects.views import form_errors_to_messages

from .. import clock, exports, selectors, services
from ..forms import ExportForm, TimerCutForm, WeekForm
from ..models import TimeEntry
from ..services import CellChange, TimeError
from . import parse_day, week_url


def _monday(request: HttpRequest) -> datetime.date:
    """Return the Monday of the week asked for (``on``), else of this week."""
    day = parse_day(request.GET.get("on", "") or request.POST.get("on", ""))
    return clock.week_of(day or timezone.localdate())[0]


@login_required
def week(request: HttpRequest) -> HttpResponse:
    """The timesheet: a week of projects by days, typed in place, with totals."""
    monday = _monday(request)
    extra = None
    add = request.GET.get("add", "") or request.POST.get("add", "")
    if add.isdigit():
        extra = access_project(request.user, int(add))
    grid = selectors.week_grid(user=request.user, monday=monday, extra_project=extra)
    status = 200
    if request.method == "POST":
        form = WeekForm(request.POST, cells=_editable_cells(grid))
        if form.is_valid():
            saved, week_errors = _week_save(request, grid, form)
            if not request.htmx:
                return _week_saved(request, monday, extra, saved=saved, week_errors=week_errors)
            grid = selectors.week_grid(user=request.user, monday=monday, extra_project=extra)
        else:
            saved, week_errors = False, _week_form_errors(request, grid, form)
            status = 422
        if request.htmx:
            return render(
                request,
                "timetracking/week.html#oob",
                {**grid, "week_errors": week_errors, "saved": saved},
            )
    return _week_page(request, grid, monday, extra, status=status)


def _editable_cells(grid: dict[str, Any]) -> list[tuple[int, datetime.date, str]]:
    """Return (project id, day, value) of the cells the form may change."""
    return [
        (row.project.pk, cell.day, cell.value)
        for row in grid["rows"]
        for cell in row.cells
        if cell.editable
    ]


def _week_save(
    request: HttpRequest, grid: dict[str, Any], form: WeekForm
) -> tuple[bool, list[str]]:
    """Save the changed cells; return whether any entry changed, and the errors."""
    changes = [
        CellChange(project=row.project, day=cell.day, seconds=form.cleaned_data[cell.name])
        for row in grid["rows"]
        for cell in row.cells
        if cell.editable and cell.name in form.changed_data
    ]
    try:
        return services.week_cells_save(user=request.user, changes=changes) > 0, []
    except TimeError as error:
        return False, [str(error)]


def _week_saved(
    request: HttpRequest,
    monday: datetime.date,
    extra: Project | None,
    *,
    saved: bool,
    week_errors: list[str],
) -> HttpResponse:
    """Say what the save did and go back to the week (without JavaScript)."""
    if saved:
        messages.success(request, _("Week saved."))
    for error in week_errors:
        messages.error(request, error)
    return redirect(week_url(monday) + (f"&add={extra.pk}" if extra else ""))


def _week_form_errors(request: HttpRequest, grid: dict[str, Any], form: WeekForm) -> list[str]:
    """Put each invalid cell's error and typed value on the grid; return the errors as lines."""
    week_errors = []
    for row in grid["rows"]:
        for cell in row.cells:
            if cell.name in form.errors:
                cell.error = " ".join(form.errors[cell.name])
                cell.value = request.POST.get(cell.name, "")
                week_errors.append(f"{row.project.title}, {cell.day.isoformat()}: {cell.error}")
    return week_errors


def _week_page(
    request: HttpRequest,
    grid: dict[str, Any],
    monday: datetime.date,
    extra: Project | None,
    *,
    status: int,
) -> HttpResponse:
    """Render the whole week page: the grid, the timer, the week's neighbours, what to add."""
    state = selectors.timer_state(request.user)
    listed = {row.project.pk for row in grid["rows"]}
    return render(
        request,
        "timetracking/week.html",
        {
            **grid,
            **state,
            "previous": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "today": timezone.localdate(),
            "addable": [
                p for p in selectors.open_projects(request.user)[:200] if p.pk not in listed
            ],
            "extra": extra,
            # The entries' edit links without a reverse() each: "/time/entries/" + pk + "/".
            "entry_prefix": reverse("timetracking:entry_edit", args=[0]).removesuffix("0/"),
            "cut_form": TimerCutForm(initial={"ended_at": state.get("cut_default")}),
        },
        status=status,
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The entries of a date range as CSV or XLSX (formulas neutralised)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("timetracking:week")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    entries = (
        TimeEntry.objects.owned_by(request.user)
        .filter(work_on__gte=start, work_on__lte=end)
        .select_related("project__client", "milestone", "invoice")
        .order_by("work_on", "started_at", "pk")
        .iterator(chunk_size=2000)
    )
    name = f"time-{start.isoformat()}-{end.isoformat()}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.entries_xlsx(entries),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(
        "\ufeff" + exports.entries_csv(entries), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
