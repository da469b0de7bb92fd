"""A project's time: its entries and expenses, an invoice from the time, out-of-scope time as a
change request, and whether the client portal shows the hours."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import access_project
from projects.views import form_errors_to_messages

from .. import billing, budgets, services
from ..forms import InvoiceFromTimeForm, PortalHoursForm
from ..models import TimeEntry
from ..services import TimeError
from . import back

FILTERS = {
    "unbilled": Q(invoice__isnull=True, is_billable=True),
    "billed": Q(invoice__isnull=False),
    "flagged": Q(change_request__isnull=True)
    & (Q(is_out_of_scope=True) | Q(scope_item__is_in_scope=False)),
}


@login_required
def project_time(request: HttpRequest, project_id: int) -> HttpResponse:
    """All time and expenses of a project, and what to do with them."""
    project = access_project(request.user, project_id)
    today = timezone.localdate()
    entries = (
        TimeEntry.objects.filter(project=project)
        .select_related("milestone", "scope_item", "invoice", "change_request")
        .order_by("-work_on", "-started_at", "-pk")
    )
    shown = request.GET.get("show", "")
    if shown in FILTERS:
        entries = entries.filter(FILTERS[shown])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    summary = budgets.project_summary(project, today=today)
    settings = services.settings_for(request.user)
    return render(
        request,
        "timetracking/project_time.html",
        {
            "project": project,
            "client": project.client,
            "page": page,
            "shown": shown,
            "summary": summary,
            "expenses": list(
                project.expenses.select_related("invoice").order_by("-spent_on", "-pk")[:50]
            ),
            "invoice_form": InvoiceFromTimeForm(
                initial={"grouping": settings.grouping, "include_expenses": True}
            ),
            "portal_form": PortalHoursForm(initial={"hours_in_portal": summary["hours_in_portal"]}),
            "rounding": settings.get_rounding_display(),
        },
    )


@login_required
def invoice_from_time(request: HttpRequest, project_id: int) -> HttpResponse:
    """Preview (GET) and draft (POST) an invoice from the project's unbilled time."""
    project = access_project(request.user, project_id)
    form = InvoiceFromTimeForm(
        request.POST if request.method == "POST" else request.GET or None,
        initial={
            "grouping": services.settings_for(request.user).grouping,
            "include_expenses": True,
        },
    )
    options: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        options = {
            "grouping": form.cleaned_data["grouping"],
            "until": form.cleaned_data.get("until"),
            "include_expenses": form.cleaned_data.get("include_expenses", False),
        }
    elif form.is_bound:
        form_errors_to_messages(request, form)
        if request.method == "POST":
            return redirect("timetracking:invoice", project.pk)
    if request.method == "POST":
        try:
            invoice = billing.invoice_from_time_create(
                project=project, actor=request.user, **options
            )
        except TimeError as error:
            messages.error(request, str(error))
            return redirect("timetracking:invoice", project.pk)
        messages.success(request, _("Draft invoice created from time. Check it, then issue it."))
        return redirect("projects:invoice_detail", invoice.pk)
    try:
        plan = billing.time_invoice_plan(project=project, **options)
        problem = ""
    except TimeError as error:
        plan, problem = None, str(error)
    return render(
        request,
        "timetracking/invoice_from_time.html",
        {
            "project": project,
            "client": project.client,
            "form": form,
            "plan": plan,
            "problem": problem,
            "vat_rate": 0 if project.is_vat_exempt else project.vat_rate,
            "rounding": services.settings_for(request.user).get_rounding_display(),
        },
    )


@login_required
@require_POST
def change_request_create(request: HttpRequest, project_id: int) -> HttpResponse:
    """One click: the project's out-of-scope time becomes a change request (hours, price)."""
    project = access_project(request.user, project_id)
    try:
        change_request = services.change_request_from_time(project=project, actor=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return redirect("timetracking:project", project.pk)
    messages.success(
        request,
        _("Change request drafted from %(hours)s h of out-of-scope time. Decide on it when ready.")
        % {"hours": services.hours_of(change_request.time_entries.all())},
    )
    return redirect("projects:change_request_detail", change_request.pk)


@login_required
@require_POST
def portal_hours(request: HttpRequest, project_id: int) -> HttpResponse:
    """Show or hide the hours in the project's client portal."""
    project = access_project(request.user, project_id)
    form = PortalHoursForm(request.POST)
    form.is_valid()
    shown = form.cleaned_data.get("hours_in_portal", False)
    services.project_hours_in_portal_set(project=project, shown=shown)
    messages.success(
        request,
        _("The client portal shows the hours.")
        if shown
        else _("The client portal hides the hours."),
    )
    return back(request, reverse("timetracking:project", args=[project.pk]))
