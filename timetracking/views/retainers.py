"""Retainers and recurring invoices: list, create, edit, end."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import access_project
from projects.views import form_errors_to_messages

from .. import retainers
from ..access import access_retainer
from ..forms import RetainerEndForm, RetainerForm
from ..models import Retainer


@login_required
def retainer_list(request: HttpRequest) -> HttpResponse:
    """The retainers and recurring invoices, newest first."""
    rows = list(
        Retainer.objects.owned_by(request.user)
        .select_related("project__client")
        .order_by("-starts_on", "-pk")
    )
    return render(
        request,
        "timetracking/retainer_list.html",
        {"retainers": rows, "today": timezone.localdate()},
    )


@login_required
def retainer_create(request: HttpRequest) -> HttpResponse:
    """Agree a retainer or recurring invoice; the planner drafts its invoices."""
    today = timezone.localdate()
    initial: dict[str, Any] = {"starts_on": today.replace(day=1), "invoice_day": 1}
    project_id = request.GET.get("project", "")
    if project_id.isdigit():
        initial["project"] = access_project(request.user, int(project_id))
    status = 200
    if request.method == "POST":
        form = RetainerForm(request.POST, user=request.user, instance=Retainer())
        if form.is_valid():
            retainer = retainers.retainer_save(retainer=form.save(commit=False), actor=request.user)
            messages.success(
                request, _("Saved. The planner drafts its invoices on the agreed day.")
            )
            return redirect(retainer)
        status = 422
    else:
        form = RetainerForm(user=request.user, initial=initial, instance=Retainer())
    return render(request, "timetracking/retainer_form.html", {"form": form}, status=status)


@login_required
def retainer_detail(request: HttpRequest, retainer_id: int) -> HttpResponse:
    """One agreement: its periods, this month's hours, and when notice would end it."""
    retainer = access_retainer(request.user, retainer_id)
    today = timezone.localdate()
    periods = list(retainer.periods.select_related("invoice").order_by("-starts_on")[:24])
    return render(
        request,
        "timetracking/retainer_detail.html",
        {
            "retainer": retainer,
            "project": retainer.project,
            "periods": periods,
            "month": retainers.retainer_month(retainer, today) if retainer.is_retainer else None,
            "end_form": RetainerEndForm(initial={"ends_on": retainers.notice_end(retainer, today)}),
            "notice_end": retainers.notice_end(retainer, today),
            "today": today,
        },
    )


@login_required
def retainer_edit(request: HttpRequest, retainer_id: int) -> HttpResponse:
    """Edit an agreement (its next invoice is scheduled again)."""
    retainer = access_retainer(request.user, retainer_id)
    status = 200
    if request.method == "POST":
        form = RetainerForm(request.POST, user=request.user, instance=retainer)
        if form.is_valid():
            retainers.retainer_save(retainer=form.save(commit=False), actor=request.user)
            messages.success(request, _("Saved."))
            return redirect(retainer)
        status = 422
    else:
        form = RetainerForm(user=request.user, instance=retainer)
    return render(
        request,
        "timetracking/retainer_form.html",
        {"form": form, "retainer": retainer},
        status=status,
    )


@login_required
@require_POST
def retainer_end(request: HttpRequest, retainer_id: int) -> HttpResponse:
    """End an agreement on a day; its last period is billed pro rata."""
    retainer = access_retainer(request.user, retainer_id)
    form = RetainerEndForm(request.POST)
    if form.is_valid():
        retainers.retainer_end(
            retainer=retainer, ends_on=form.cleaned_data["ends_on"], actor=request.user
        )
        messages.success(
            request, _("The agreement ends as set; the last period is billed pro rata.")
        )
    else:
        form_errors_to_messages(request, form)
    return redirect(retainer)
