"""Time entries typed by hand: create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projects.access import access_project

from .. import services
from ..access import access_entry
from ..forms import EntryForm
from ..models import TimeEntry
from ..services import TimeError
from . import back, next_url, parse_day, week_url


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    """Book time by hand (a span or a duration), prefilled from the project and day asked for."""
    initial: dict[str, Any] = {"work_on": timezone.localdate(), "is_billable": True}
    project_id = request.GET.get("project", "")
    if project_id.isdigit():
        initial["project"] = access_project(request.user, int(project_id))
    day = parse_day(request.GET.get("on", ""))
    if day:
        initial["work_on"] = day
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, user=request.user, instance=TimeEntry())
        if form.is_valid():
            try:
                entry = services.entry_create(entry=form.save(commit=False), actor=request.user)
            except TimeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("%(hours)s h booked.") % {"hours": entry.hours})
                _overlap_warning(request, entry)
                return back(
                    request,
                    week_url(entry.work_on),
                )
        status = 422
    else:
        form = EntryForm(user=request.user, initial=initial, instance=TimeEntry())
    return render(
        request,
        "timetracking/entry_form.html",
        {"form": form, "next": next_url(request, "")},
        status=status,
    )


def _overlap_warning(request: HttpRequest, entry: TimeEntry) -> None:
    """Warn (without refusing) when the saved entry overlaps other timed entries."""
    count = services.overlapping_count(entry)
    if count:
        messages.warning(
            request,
            ngettext(
                "This entry overlaps %(count)s other entry. Saved anyway; check the week view.",
                "This entry overlaps %(count)s other entries. Saved anyway; check the week view.",
                count,
            )
            % {"count": count},
        )


@login_required
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Edit an entry; one on an invoice is locked."""
    entry = access_entry(request.user, entry_id)
    status = 200
    if request.method == "POST":
        if entry.is_locked:
            messages.error(request, _("This entry is on an invoice and locked."))
            return redirect(entry)
        form = EntryForm(request.POST, user=request.user, instance=entry)
        if form.is_valid():
            try:
                entry = services.entry_update(entry=form.save(commit=False), actor=request.user)
            except TimeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Entry saved."))
                _overlap_warning(request, entry)
                return back(request, week_url(entry.work_on))
        status = 422
    else:
        form = EntryForm(user=request.user, instance=entry)
    return render(
        request,
        "timetracking/entry_form.html",
        {"form": form, "entry": entry, "next": next_url(request, "")},
        status=status,
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Delete an entry that is on no invoice."""
    entry = access_entry(request.user, entry_id)
    try:
        services.entry_delete(entry=entry, actor=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return redirect(entry)
    messages.success(request, _("Entry deleted."))
    return back(request, week_url(entry.work_on))
