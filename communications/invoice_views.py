"""The invoice page's "issue and send" and "send" buttons (communications/invoice_mail.py)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import access_invoice
from projects.services import ProjectError

from .invoice_mail import InvoiceMailError, invoice_send


@login_required
@require_POST
def invoice_send_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Issue the invoice if it is a draft and open its e-mail draft; errors go back to it."""
    invoice = access_invoice(request.user, invoice_id)
    try:
        message, issued, created = invoice_send(invoice=invoice, actor=request.user)
    except (InvoiceMailError, ProjectError) as error:
        flash.error(request, str(error))
        return redirect(invoice)
    if issued:
        flash.success(
            request,
            _(
                "Invoice %(number)s issued. The e-mail with the PDF is ready: read it, then "
                "approve it to send it."
            )
            % {"number": message.invoice.number},
        )
    elif created:
        flash.success(
            request, _("The e-mail with the PDF is ready: read it, then approve it to send it.")
        )
    else:
        flash.info(request, _("The e-mail with this invoice is already here."))
    return redirect(message)
