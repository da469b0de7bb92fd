"""The timer's views: its page (without JavaScript), its widget, start, stop, keep and cut.

The timer's controls are plain forms that work without JavaScript (POST, then back to the page
they came from); with htmx they post in place and answer with the event ``timerChanged``, on
which every timer widget on the page reloads itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import access_project
from projects.views import form_errors_to_messages

from .. import selectors, services
from ..forms import TimerCutForm, TimerStartForm
from ..services import TimeError
from . import back


def _timer_changed(request: HttpRequest, default: str) -> HttpResponse:
    """Answer a timer control: htmx gets the event ``timerChanged``, a plain form goes back."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "timerChanged"
        return response
    return back(request, default)


@login_required
def timer_page(request: HttpRequest) -> HttpResponse:
    """The timer without JavaScript: what runs, start, stop, keep or cut."""
    state = selectors.timer_state(request.user)
    project = None
    project_id = request.GET.get("project", "")
    if project_id.isdigit():
        project = access_project(request.user, int(project_id))
    form = TimerStartForm(user=request.user, initial={"project": project} if project else None)
    return render(
        request,
        "timetracking/timer.html",
        {
            **state,
            "form": form,
            "cut_form": TimerCutForm(initial={"ended_at": state.get("cut_default")}),
            "recent": selectors.recent_projects(request.user),
        },
    )


@login_required
def timer_widget(request: HttpRequest) -> HttpResponse:
    """The timer in the navigation (or on a project page), loaded and refreshed by htmx."""
    state = selectors.timer_state(request.user)
    variant = request.GET.get("variant", "nav")
    context: dict[str, Any] = {**state, "next": request.GET.get("next", "")}
    if variant == "project":
        project_id = request.GET.get("project", "")
        if not project_id.isdigit():
            raise Http404
        context["project"] = project = access_project(request.user, int(project_id))
        context["open_milestones"] = list(project.milestones.filter(done_on__isnull=True))
        return render(request, "timetracking/_timer_project.html", context)
    if state["timer"] is None:
        context["recent"] = selectors.recent_projects(request.user)
    if state["ask"]:
        context["cut_form"] = TimerCutForm(initial={"ended_at": state["cut_default"]})
    return render(request, "timetracking/_timer_nav.html", context)


@login_required
@require_POST
def timer_start(request: HttpRequest) -> HttpResponse:
    """Start the timer (a timer on other work is booked first)."""
    form = TimerStartForm(request.POST, user=request.user)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(status=422)
        form_errors_to_messages(request, form)
        return back(request, reverse("timetracking:timer"))
    data = form.cleaned_data
    try:
        result = services.timer_start(
            user=request.user,
            project=data["project"],
            milestone=data.get("milestone"),
            scope_item=data.get("scope_item"),
            description=data.get("description", ""),
            is_billable=data.get("is_billable", False),
        )
    except TimeError as error:
        messages.error(request, str(error))
        return back(request, reverse("timetracking:timer"))
    if not request.htmx:
        if result.already_running:
            messages.info(request, _("The timer is already running."))
        else:
            messages.success(
                request, _("Timer started for %(project)s.") % {"project": data["project"].title}
            )
        if result.stopped is not None:
            messages.info(
                request,
                _("The previous timer was stopped and booked (%(hours)s h).")
                % {"hours": result.stopped.hours},
            )
    return _timer_changed(request, reverse("timetracking:timer"))


@login_required
@require_POST
def timer_stop(request: HttpRequest) -> HttpResponse:
    """Stop the timer and book its time."""
    try:
        entry = services.timer_stop(user=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return back(request, reverse("timetracking:timer"))
    if not request.htmx:
        if entry is None:
            messages.info(request, _("No timer was running."))
        else:
            messages.success(
                request,
                _("Timer stopped: %(hours)s h booked on %(project)s.")
                % {"hours": entry.hours, "project": entry.project.title},
            )
    return _timer_changed(request, reverse("timetracking:timer"))


@login_required
@require_POST
def timer_keep(request: HttpRequest) -> HttpResponse:
    """Keep a long-running timer running (the question is not asked again)."""
    services.timer_keep(user=request.user)
    if not request.htmx:
        messages.success(request, _("The timer keeps running."))
    return _timer_changed(request, reverse("timetracking:timer"))


@login_required
@require_POST
def timer_cut(request: HttpRequest) -> HttpResponse:
    """Stop a timer left running at the end the freelancer gives."""
    form = TimerCutForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return back(request, reverse("timetracking:timer"))
    try:
        entry = services.timer_stop(user=request.user, ended_at=form.cleaned_data["ended_at"])
    except TimeError as error:
        if request.htmx:
            return HttpResponse(str(error), status=422)
        messages.error(request, str(error))
        return back(request, reverse("timetracking:timer"))
    if entry is not None and not request.htmx:
        messages.success(
            request,
            _("Timer cut: %(hours)s h booked on %(project)s.")
            % {"hours": entry.hours, "project": entry.project.title},
        )
    return _timer_changed(request, reverse("timetracking:timer"))
