"""Views of the banking app: upload a statement, review what it booked and proposed, decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.templatetags.crm_format import format_money

from . import decisions, selectors, services
from .access import access_entry, access_known_account, access_statement
from .forms import StatementUploadForm, allocation_formset
from .models import BankEntry
from .reasons import import_summary

PAGE_SIZE = 50
SUGGESTIONS = 20


def _back(request: HttpRequest, fallback: str, *args: Any) -> HttpResponse:
    """Redirect to the page the form came from (``next``) if it is ours, else ``fallback``."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(fallback, *args)


@login_required
@require_http_methods(["GET", "POST"])
def bank_home(request: HttpRequest) -> HttpResponse:
    """Upload a statement; list what waits for a decision and the latest imports."""
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = services.statement_import(
                user=request.user, data=upload.read(), file_name=upload.name
            )
        except services.StatementError as exc:
            form.add_error("file", _("Nothing was imported. %(error)s") % {"error": exc})
        else:
            messages.success(request, import_summary(statement))
            return redirect("banking:statement", statement.pk)
    page = Paginator(selectors.entries_to_review(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "banking/home.html",
        {
            "form": form,
            "page": page,
            "statements": selectors.statements_recent(request.user)[:5],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    """List every statement imported, newest first."""
    page = Paginator(selectors.statements_recent(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "banking/statement_list.html", {"page": page})


@login_required
@require_GET
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    """Show one import: every booking read from it, with what became of it."""
    statement = access_statement(request.user, statement_id)
    state = request.GET.get("state", "")
    if state not in BankEntry.State.values:
        state = ""
    page = Paginator(selectors.statement_entries(statement, state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "banking/statement_detail.html",
        {
            "statement": statement,
            "summary": import_summary(statement),
            "page": page,
            "state": state,
            "states": BankEntry.State.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Show one booking; for an open credit, choose the invoice(s) and amounts and book it."""
    entry = access_entry(request.user, entry_id)
    formset = None
    if entry.is_open:
        formset = allocation_formset(
            entry, request.user, request.POST if request.method == "POST" else None
        )
        if request.method == "POST" and formset.is_valid():
            try:
                decisions.entry_book(entry=entry, allocations=formset.allocations)
            except decisions.BankingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Booked. The invoices show the payment."))
                return _back(request, "banking:statement", entry.statement_id)
    elif request.method == "POST":
        messages.error(request, _("This booking was already decided; nothing was changed."))
        return redirect("banking:entry", entry.pk)
    return render(
        request,
        "banking/entry_detail.html",
        {
            "entry": entry,
            "allocations": list(entry.allocations.select_related("invoice__client", "payment")),
            "formset": formset,
            "next": request.GET.get("next", ""),
        },
        status=400 if formset is not None and formset.is_bound else 200,
    )


@login_required
@require_POST
def entry_confirm(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Book a proposal as it stands (one click)."""
    entry = access_entry(request.user, entry_id)
    if not entry.is_open:
        messages.error(request, _("This booking was already decided; nothing was changed."))
        return _back(request, "banking:home")
    proposal = decisions.entry_proposal(entry)
    if not proposal:
        messages.error(request, _("There is no proposal to confirm: choose the invoices."))
        return redirect("banking:entry", entry.pk)
    try:
        decisions.entry_book(entry=entry, allocations=proposal)
    except decisions.BankingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Booked %(amount)s on %(numbers)s.")
            % {
                "amount": format_money(entry.amount, entry.currency),
                "numbers": ", ".join(invoice.number for invoice, _amount in proposal),
            },
        )
    return _back(request, "banking:home")


@login_required
@require_POST
def entry_dismiss(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Mark a credit as no payment for an invoice."""
    entry = access_entry(request.user, entry_id)
    try:
        decisions.entry_dismiss(entry=entry)
    except decisions.BankingError as exc:
        messages.error(request, str(exc))
    return _back(request, "banking:home")


@login_required
@require_POST
def entry_acknowledge(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Take a note (overpayment, reversal) off the review list."""
    entry = access_entry(request.user, entry_id)
    decisions.entry_acknowledge(entry=entry)
    return _back(request, "banking:home")


@login_required
@require_GET
def invoice_suggest(request: HttpRequest) -> JsonResponse:
    """Return up to SUGGESTIONS open invoices matching ``q`` for the invoice picker (one query)."""
    query = request.GET.get("q", "")[:50].replace("\x00", "").strip()
    currency = request.GET.get("currency", "")[:3].upper()
    invoices = selectors.invoices_suggested(request.user, query=query, currency=currency)
    return JsonResponse(
        {
            "results": [
                {
                    "value": str(invoice.pk),
                    "text": f"{invoice.number} · {invoice.client.name}",
                    "hint": format_money(invoice.amount_due, invoice.currency),
                }
                for invoice in invoices[:SUGGESTIONS]
            ]
        }
    )


@login_required
@require_GET
def known_account_list(request: HttpRequest) -> HttpResponse:
    """List the payer accounts learned from booked payments."""
    page = Paginator(selectors.known_accounts(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "banking/known_accounts.html", {"page": page})


@login_required
@require_POST
def known_account_forget(request: HttpRequest, known_id: int) -> HttpResponse:
    """Forget a learned payer account."""
    known = access_known_account(request.user, known_id)
    decisions.known_account_forget(known=known)
    messages.success(
        request,
        _("%(iban)s is no longer linked to %(client)s.")
        % {"iban": known.iban, "client": known.client.name},
    )
    return redirect("banking:known_accounts")
