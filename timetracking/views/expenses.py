"""Expenses and their receipts (served to their owner only)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import access_project

from .. import services
from ..access import access_expense
from ..forms import ExpenseForm
from ..models import Expense
from ..services import TimeError
from . import back, next_url


@login_required
def expense_list(request: HttpRequest) -> HttpResponse:
    """The expenses, newest first (or only the unbilled ones)."""
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
    """Record an expense with its receipt, prefilled from the project asked for."""
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
            return back(request, reverse("timetracking:expenses"))
        status = 422
    else:
        form = ExpenseForm(user=request.user, initial=initial, instance=Expense())
    return render(
        request,
        "timetracking/expense_form.html",
        {"form": form, "next": next_url(request, "")},
        status=status,
    )


@login_required
def expense_edit(request: HttpRequest, expense_id: int) -> HttpResponse:
    """Edit an expense; a replaced receipt file is deleted."""
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
            return back(request, reverse("timetracking:expenses"))
        status = 422
    else:
        form = ExpenseForm(user=request.user, instance=expense)
    return render(
        request,
        "timetracking/expense_form.html",
        {"form": form, "expense": expense, "next": next_url(request, "")},
        status=status,
    )


@login_required
@require_POST
def expense_delete(request: HttpRequest, expense_id: int) -> HttpResponse:
    """Delete an expense that is on no invoice."""
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
