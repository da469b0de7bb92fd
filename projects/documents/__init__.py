"""Offer and invoice documents: what they say, the PDF rendered from it, the frozen copy.

- ``content``: labels, default texts, money, the snapshot (frozen data) and the template
  context in the client's language;
- ``rendering``: the PDF, rendered from that data with WeasyPrint.

Callers import from the package (``from projects import documents``).
"""

from .content import (
    CENT,
    LABELS,
    SMALL_BUSINESS_NOTE,
    buyer_data,
    default_texts,
    document_context,
    invoice_data,
    invoice_snapshot,
    line_data,
    offer_data,
    offer_snapshot,
    seller_data,
    totals_by_rate,
)
from .rendering import invoice_pdf, offer_pdf

__all__ = [
    "CENT",
    "LABELS",
    "SMALL_BUSINESS_NOTE",
    "buyer_data",
    "default_texts",
    "document_context",
    "invoice_data",
    "invoice_pdf",
    "invoice_snapshot",
    "line_data",
    "offer_data",
    "offer_pdf",
    "offer_snapshot",
    "seller_data",
    "totals_by_rate",
]
