"""Views of invoices: the list, create, the invoice page, edit a draft, issue, payments,
cancel, delete a draft, PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import documents
from ..access import access_invoice, access_offer, access_project
from ..einvoice import exports
from ..forms.invoices import InvoiceForm, InvoiceLineFormSet, PaymentForm
from ..forms.lines import line_edits
from ..models import Invoice
from ..selectors.invoices import (
    MissingDetail,
    invoice_cancelled_by,
    invoice_missing_details,
    invoices_for_list,
)
from ..services import ProjectError, payments
from ..services import invoices as services
from . import form_errors_to_messages, pdf_response, xml_response


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    invoices = invoices_for_list(user=request.user, status=status)
    page = Paginator(invoices, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/invoice_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Invoice.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def invoice_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    offer = None
    offer_id = request.POST.get("offer", "")
    if offer_id.isdigit():
        offer = access_offer(request.user, int(offer_id))
        if offer.project_id != project.pk:
            raise Http404
    try:
        invoice = services.invoice_create(project=project, offer=offer, actor=request.user)
    except ProjectError as error:
        messages.error(request, str(error))
        return redirect(project)
    messages.success(request, _("Draft invoice created. Check it, then issue it."))
    return redirect("projects:invoice_edit", invoice.pk)


@login_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    today = timezone.localdate()
    data = documents.invoice_data(invoice)
    is_draft = invoice.status == Invoice.Status.DRAFT
    missing = invoice_missing_details(invoice) if is_draft else []
    return render(
        request,
        "projects/invoice_detail.html",
        {
            "invoice": invoice,
            "project": invoice.project,
            "doc": documents.document_context(data, is_draft=invoice.status == "draft"),
            "payments": list(invoice.payments.all()),
            "payment_form": PaymentForm(initial={"amount": invoice.amount_due, "paid_on": today}),
            "cancelled_by": invoice_cancelled_by(invoice),
            "missing": _missing_message(invoice, missing) if missing else "",
            "is_overdue": invoice.is_overdue(today),
            "xrechnung": exports.xrechnung_available(invoice),
            "xrechnung_needs_phone": invoice.client.leitweg_id
            and "phone" in exports.xrechnung_missing(invoice),
        },
    )


@login_required
def invoice_edit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    if invoice.status != Invoice.Status.DRAFT:
        messages.error(
            request, _("An issued invoice cannot be changed; cancel it and issue a new one.")
        )
        return redirect(invoice)
    data = request.POST if request.method == "POST" else None
    form = InvoiceForm(data, instance=invoice)
    formset = InvoiceLineFormSet(data, instance=invoice, prefix="lines")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            services.invoice_update(
                invoice=invoice,
                fields=form.cleaned_data,
                lines=line_edits(formset),
                actor=request.user,
            )
            messages.success(request, _("Invoice saved."))
        except ProjectError as error:
            messages.error(request, str(error))
        return redirect(invoice)
    return render(
        request,
        "projects/invoice_form.html",
        {"invoice": invoice, "project": invoice.project, "form": form, "formset": formset},
        status=422 if data is not None else 200,
    )


def _missing_message(invoice: Invoice, missing: list[MissingDetail]) -> str:
    """Return the message naming what is missing, with links to where it is filled in."""
    links = {
        "profile": (reverse("crm:profile"), _("Open the settings")),
        "client": (reverse("clients:edit", args=[invoice.client_id]), _("Edit the client")),
    }
    return format_html(
        "{} {}",
        _("The invoice cannot be issued yet (§ 14 UStG); missing: %(missing)s.")
        % {"missing": ", ".join(detail.label for detail in missing)},
        format_html_join(
            " ",
            '<a class="alert-link" href="{}">{}</a>',
            (links[where] for where in dict.fromkeys(detail.where for detail in missing)),
        ),
    )


@login_required
@require_POST
def invoice_issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        invoice = services.invoice_issue(invoice=invoice, actor=request.user)
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    except services.InvoiceIncomplete as error:
        messages.error(request, _missing_message(invoice, error.missing))
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect("projects:invoice_detail", invoice.pk)


@login_required
@require_POST
def invoice_payment(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payments.invoice_record_payment(invoice=invoice, **form.cleaned_data)
            messages.success(request, _("Payment recorded."))
        except ProjectError as error:
            messages.error(request, str(error))
    else:
        form_errors_to_messages(request, form)
    return redirect(invoice)


@login_required
@require_POST
def invoice_mark_paid(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        payments.invoice_mark_paid(invoice=invoice, paid_on=timezone.localdate())
        messages.success(request, _("Marked as paid."))
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect(invoice)


@login_required
@require_POST
def invoice_cancel(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        storno = services.invoice_cancel(invoice=invoice, actor=request.user)
    except ProjectError as error:
        messages.error(request, str(error))
        return redirect(invoice)
    messages.success(
        request, _("Cancelled by cancellation invoice %(number)s.") % {"number": storno.number}
    )
    return redirect(storno)


@login_required
@require_POST
def invoice_delete(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    project = invoice.project
    try:
        services.invoice_delete(invoice=invoice, actor=request.user)
    except ProjectError as error:
        messages.error(request, str(error))
        return redirect(invoice)
    messages.success(request, _("Draft invoice deleted."))
    return redirect(project)


@login_required
def invoice_xrechnung(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Download the invoice as XRechnung (CII XML); for issued invoices with a Leitweg-ID."""
    invoice = access_invoice(request.user, invoice_id)
    if not exports.xrechnung_available(invoice):
        raise Http404
    return xml_response(
        exports.xrechnung_for(invoice, documents.invoice_data(invoice)),
        exports.xrechnung_filename(invoice),
    )


@login_required
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    pdf = documents.invoice_pdf(invoice)
    name = invoice.number or f"Entwurf-{invoice.pk}"
    return pdf_response(request, pdf, f"Rechnung-{name}.pdf")
