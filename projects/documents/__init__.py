"""Offer and invoice documents: what they say, the PDF rendered from it, the frozen copy.

- ``labels``: labels, VAT notes and default texts in the client's language;
- ``content``: money, the snapshot (frozen data) and the template context;
- ``rendering``: the PDF, rendered from that data with WeasyPrint;
- ``frozen``: the PDF of a sent offer or an issued invoice, rendered once, stored and served.

Callers import from the package (``from projects import documents``).
"""

from .content import (
    CENT,
    buyer_data,
    document_context,
    invoice_data,
    invoice_snapshot,
    line_data,
    offer_data,
    offer_snapshot,
    seller_data,
    totals_by_rate,
)
from .frozen import document_freeze, invoice_pdf, offer_pdf
from .labels import LABELS, SMALL_BUSINESS_NOTE, default_texts
from .rendering import invoice_pdf_render, offer_pdf_render

__all__ = [
    "CENT",
    "LABELS",
    "SMALL_BUSINESS_NOTE",
    "buyer_data",
    "default_texts",
    "document_context",
    "document_freeze",
    "invoice_data",
    "invoice_pdf",
    "invoice_pdf_render",
    "invoice_snapshot",
    "line_data",
    "offer_data",
    "offer_pdf",
    "offer_pdf_render",
    "offer_snapshot",
    "seller_data",
    "totals_by_rate",
]
