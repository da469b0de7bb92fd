"""Views of time tracking: they speak HTTP; services decide.

The timer's controls are plain forms that work without JavaScript (POST, then back to the page
they came from); with htmx they post in place and answer with the event ``timerChanged``, on
which every timer widget on the page reloads itself.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projects.access import access_project

from . import billing, budgets, clock, exports, retainers, selectors, services
from .access import access_entry, access_expense, access_retainer
from .forms import (
    ClientRateForm,
    EntryForm,
    ExpenseForm,
    ExportForm,
    InvoiceFromTimeForm,
    PortalHoursForm,
    RetainerEndForm,
    RetainerForm,
    TimerCutForm,
    TimerStartForm,
    TimeSettingsForm,
    WeekForm,
)
from .models import ClientRate, Expense, Retainer, TimeEntry
from .services import CellChange, TimeError


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _back(request: HttpRequest, default: str) -> HttpResponse:
    return HttpResponseRedirect(_next_url(request, default))


def _errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _parse_day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# The timer


def _timer_changed(request: HttpRequest, default: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "timerChanged"
        return response
    return _back(request, default)


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
    form = TimerStartForm(request.POST, user=request.user)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(status=422)
        _errors(request, form)
        return _back(request, reverse("timetracking:timer"))
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
        return _back(request, reverse("timetracking:timer"))
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
    try:
        entry = services.timer_stop(user=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return _back(request, reverse("timetracking:timer"))
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
    services.timer_keep(user=request.user)
    if not request.htmx:
        messages.success(request, _("The timer keeps running."))
    return _timer_changed(request, reverse("timetracking:timer"))


@login_required
@require_POST
def timer_cut(request: HttpRequest) -> HttpResponse:
    form = TimerCutForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(request, reverse("timetracking:timer"))
    try:
        entry = services.timer_stop(user=request.user, ended_at=form.cleaned_data["ended_at"])
    except TimeError as error:
        if request.htmx:
            return HttpResponse(str(error), status=422)
        messages.error(request, str(error))
        return _back(request, reverse("timetracking:timer"))
    if entry is not None and not request.htmx:
        messages.success(
            request,
            _("Timer cut: %(hours)s h booked on %(project)s.")
            % {"hours": entry.hours, "project": entry.project.title},
        )
    return _timer_changed(request, reverse("timetracking:timer"))


# ---------------------------------------------------------------------------------------------
# The week


def _monday(request: HttpRequest) -> datetime.date:
    day = _parse_day(request.GET.get("on", "") or request.POST.get("on", ""))
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
    cells = [
        (row.project.pk, cell.day, cell.value)
        for row in grid["rows"]
        for cell in row.cells
        if cell.editable
    ]
    status = 200
    if request.method == "POST":
        form = WeekForm(request.POST, cells=cells)
        week_errors: list[str] = []
        saved = False
        if form.is_valid():
            changes = [
                CellChange(project=row.project, day=cell.day, seconds=form.cleaned_data[cell.name])
                for row in grid["rows"]
                for cell in row.cells
                if cell.editable and cell.name in form.changed_data
            ]
            try:
                saved = services.week_cells_save(user=request.user, changes=changes) > 0
            except TimeError as error:
                week_errors.append(str(error))
            if not request.htmx:
                if saved:
                    messages.success(request, _("Week saved."))
                for error in week_errors:
                    messages.error(request, error)
                url = reverse("timetracking:week") + f"?on={monday.isoformat()}"
                return redirect(url + (f"&add={extra.pk}" if extra else ""))
            grid = selectors.week_grid(user=request.user, monday=monday, extra_project=extra)
        else:
            for row in grid["rows"]:
                for cell in row.cells:
                    if cell.name in form.errors:
                        cell.error = " ".join(form.errors[cell.name])
                        cell.value = request.POST.get(cell.name, "")
                        week_errors.append(
                            f"{row.project.title}, {cell.day.isoformat()}: {cell.error}"
                        )
            status = 422
        if request.htmx:
            return render(
                request,
                "timetracking/week.html#oob",
                {**grid, "week_errors": week_errors, "saved": saved},
            )
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
        _errors(request, form)
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


# ---------------------------------------------------------------------------------------------
# Entries


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"work_on": timezone.localdate(), "is_billable": True}
    project_id = request.GET.get("project", "")
    if project_id.isdigit():
        initial["project"] = access_project(request.user, int(project_id))
    day = _parse_day(request.GET.get("on", ""))
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
                return _back(
                    request,
                    reverse("timetracking:week") + f"?on={entry.work_on.isoformat()}",
                )
        status = 422
    else:
        form = EntryForm(user=request.user, initial=initial, instance=TimeEntry())
    return render(
        request,
        "timetracking/entry_form.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


def _overlap_warning(request: HttpRequest, entry: TimeEntry) -> None:
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
                return _back(
                    request, reverse("timetracking:week") + f"?on={entry.work_on.isoformat()}"
                )
        status = 422
    else:
        form = EntryForm(user=request.user, instance=entry)
    return render(
        request,
        "timetracking/entry_form.html",
        {"form": form, "entry": entry, "next": _next_url(request, "")},
        status=status,
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = access_entry(request.user, entry_id)
    try:
        services.entry_delete(entry=entry, actor=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return redirect(entry)
    messages.success(request, _("Entry deleted."))
    return _back(request, reverse("timetracking:week") + f"?on={entry.work_on.isoformat()}")


# ---------------------------------------------------------------------------------------------
# A project's time: entries, invoicing, out of scope


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
        _errors(request, form)
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
    return _back(request, reverse("timetracking:project", args=[project.pk]))


# ---------------------------------------------------------------------------------------------
# Expenses


@login_required
def expense_list(request: HttpRequest) -> HttpResponse:
    expenses = (
        Expense.objects.owned_by(request.user)
        .select_related("project__client", "invoice")
        .order_by("-spent_on", "-pk")
    )
    shown = request.GET.get("show", "")
    if shown == "unbilled":
        expenses = expenses.filter(is_billable=True, invoice__isnull=True)
    page = Paginator(expenses, 25).get_page(request.GET.get("page"))
    return render(request, "timetracking/expense_list.html", {"page": page, "shown": shown})


@login_required
def expense_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"spent_on": timezone.localdate()}
    project_id = request.GET.get("project", "")
    if project_id.isdigit():
        project = access_project(request.user, int(project_id))
        initial["project"] = project
        initial["vat_rate"] = 0 if project.is_vat_exempt else project.vat_rate
    status = 200
    if request.method == "POST":
        form = ExpenseForm(request.POST, request.FILES, user=request.user, instance=Expense())
        if form.is_valid():
            expense = form.save(commit=False)
            if expense.receipt and hasattr(form.cleaned_data.get("receipt"), "content_type"):
                expense.receipt_name = form.cleaned_data["receipt"].name[:200]
            services.expense_save(expense=expense, actor=request.user)
            messages.success(request, _("Expense saved."))
            return _back(request, reverse("timetracking:expenses"))
        status = 422
    else:
        form = ExpenseForm(user=request.user, initial=initial, instance=Expense())
    return render(
        request,
        "timetracking/expense_form.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


@login_required
def expense_edit(request: HttpRequest, expense_id: int) -> HttpResponse:
    expense = access_expense(request.user, expense_id)
    old_receipt = expense.receipt.name if expense.receipt else ""
    status = 200
    if request.method == "POST":
        form = ExpenseForm(request.POST, request.FILES, user=request.user, instance=expense)
        if form.is_valid():
            edited = form.save(commit=False)
            upload = form.cleaned_data.get("receipt")
            if upload and hasattr(upload, "content_type"):
                edited.receipt_name = upload.name[:200]
            elif not edited.receipt:
                edited.receipt_name = ""
            try:
                services.expense_save(expense=edited, actor=request.user)
            except TimeError as error:
                messages.error(request, str(error))
                return redirect("timetracking:expense_edit", expense.pk)
            new_receipt = edited.receipt.name if edited.receipt else ""
            if old_receipt and old_receipt != new_receipt:
                storage = Expense._meta.get_field("receipt").storage
                storage.delete(old_receipt)
            messages.success(request, _("Expense saved."))
            return _back(request, reverse("timetracking:expenses"))
        status = 422
    else:
        form = ExpenseForm(user=request.user, instance=expense)
    return render(
        request,
        "timetracking/expense_form.html",
        {"form": form, "expense": expense, "next": _next_url(request, "")},
        status=status,
    )


@login_required
@require_POST
def expense_delete(request: HttpRequest, expense_id: int) -> HttpResponse:
    expense = access_expense(request.user, expense_id)
    try:
        services.expense_delete(expense=expense, actor=request.user)
    except TimeError as error:
        messages.error(request, str(error))
        return redirect("timetracking:expense_edit", expense.pk)
    messages.success(request, _("Expense deleted."))
    return redirect("timetracking:expenses")


@login_required
def receipt_file(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a receipt by its stored name (the storage's URL) to the expense's owner only."""
    expense = get_object_or_404(Expense.objects.owned_by(request.user), receipt=name)
    return expense_receipt(request, expense.pk)


@login_required
def expense_receipt(request: HttpRequest, expense_id: int) -> HttpResponse:
    """Serve a receipt to its owner only (receipts have no public URL)."""
    expense = access_expense(request.user, expense_id)
    if not expense.receipt:
        raise Http404
    try:
        handle = expense.receipt.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = expense.receipt.name.rsplit("/", 1)[-1]
    is_pdf = name.endswith(".pdf")
    response = FileResponse(
        handle,
        as_attachment=request.GET.get("download") == "1",
        filename=expense.receipt_name or name,
        content_type="application/pdf" if is_pdf else None,
    )
    # Only re-encoded JPEG/PNG/WebP images and files starting with %PDF- are stored; the
    # browser must not guess another type.
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Retainers and recurring invoices


@login_required
def retainer_list(request: HttpRequest) -> HttpResponse:
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
        _errors(request, form)
    return redirect(retainer)


# ---------------------------------------------------------------------------------------------
# Settings


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    settings = services.settings_for(request.user)
    form = TimeSettingsForm(instance=settings)
    rate_form = ClientRateForm(user=request.user)
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "rate":
            rate_form = ClientRateForm(request.POST, user=request.user)
            if rate_form.is_valid():
                services.client_rate_set(
                    owner=request.user,
                    client=rate_form.cleaned_data["client"],
                    hourly_rate=rate_form.cleaned_data.get("hourly_rate"),
                )
                messages.success(request, _("Client rate saved."))
                return redirect("timetracking:settings")
        else:
            form = TimeSettingsForm(request.POST, instance=settings)
            if form.is_valid():
                services.settings_save(settings=form.save(commit=False))
                messages.success(request, _("Time settings saved."))
                return redirect("timetracking:settings")
        status = 422
    return render(
        request,
        "timetracking/settings.html",
        {
            "form": form,
            "rate_form": rate_form,
            "rates": list(ClientRate.objects.owned_by(request.user).select_related("client")),
        },
        status=status,
    )
