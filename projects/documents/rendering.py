"""Render offer and invoice documents to PDF (WeasyPrint through ``crm.pdf``).

Rendering reads the document's data (``content``) and the freelancer's logo, and writes
nothing; an issued invoice becomes a Factur-X PDF/A-3 with its EN 16931 XML embedded.
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.logos import logo_check
from crm.pdf import document_rendering, render_pdf
from crm.text import text_clean_data

from ..models import Invoice, Offer
from .content import document_context, invoice_data, offer_data


def _logo_data_uri(user: Any) -> str:
    """Return the profile logo inline (data: URL): media files are never fetched by URL.

    The stored logo is the small copy made on upload; one that still claims too many pixels
    (stored before that) is left out rather than decoded.
    """
    profile = user.profile_or_default
    if not profile.logo:
        return ""
    try:
        with profile.logo.open("rb") as handle:
            logo_check(handle)
            content = handle.read(2 * 1024 * 1024)
    except (OSError, ValidationError):
        return ""
    kind = "png" if profile.logo.name.lower().endswith(".png") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(content).decode()}"


def offer_pdf_render(offer: Offer) -> bytes:
    """Render the offer as PDF (from its snapshot once sent). No side effects.

    Raises ``crm.pdf.DocumentError`` if it cannot be built.
    """
    data, replaced = text_clean_data(offer_data(offer))
    context = document_context(data, is_draft=not offer.is_frozen, logo=_logo_data_uri(offer.owner))
    context["text_replaced"] = replaced
    with document_rendering(_("Offer %(number)s") % {"number": offer.number}):
        return render_pdf("documents/offer.html", context)


def invoice_pdf_render(invoice: Invoice) -> bytes:
    """Render the invoice as PDF; once issued a Factur-X (EN 16931) PDF/A-3. No side effects.

    Raises ``crm.pdf.DocumentError`` if the PDF or the e-invoice XML cannot be built.
    """
    from ..einvoice import facturx_pdf, invoice_xml

    # Text is cleaned here too (crm/text.py): a row written before the rule, or around the
    # forms, must not break the document; a draft says what was removed.
    data, replaced = text_clean_data(invoice_data(invoice))
    is_draft = invoice.status == Invoice.Status.DRAFT
    context = document_context(data, is_draft=is_draft, logo=_logo_data_uri(invoice.owner))
    context["text_replaced"] = replaced
    name = _("Invoice %(number)s") % {"number": invoice.number or _("(draft)")}
    with document_rendering(name):
        if is_draft:
            return render_pdf("documents/invoice.html", context)
        pdf = render_pdf("documents/invoice.html", context, pdf_variant="pdf/a-3b")
        return facturx_pdf(pdf, invoice_xml(data), data)
