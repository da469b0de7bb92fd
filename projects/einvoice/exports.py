"""E-invoice files of an issued invoice: the XRechnung download (app and portal)."""

from __future__ import annotations

from typing import Any

from .builder import xrechnung_xml


def buyer_reference(invoice: Any) -> str:
    """Return the Leitweg-ID to quote (BT-10): the one frozen with the invoice, else the client's.

    The Leitweg-ID only routes the invoice inside the buyer's administration; one added to the
    client after issuing still reaches invoices issued before.
    """
    frozen = (invoice.snapshot or {}).get("buyer", {}).get("leitweg_id", "")
    return (frozen or invoice.client.leitweg_id or "").strip()


def xrechnung_available(invoice: Any) -> bool:
    """Return whether an XRechnung can be made: issued, and a Leitweg-ID to quote."""
    return invoice.status != invoice.Status.DRAFT and bool(buyer_reference(invoice))


def xrechnung_for(invoice: Any, data: dict[str, Any]) -> bytes:
    """Return the XRechnung 3.0 (CII) of an issued invoice from its document data (the frozen
    snapshot, ``documents.invoice_data``)."""
    return xrechnung_xml(data, buyer_reference=buyer_reference(invoice))


def xrechnung_filename(invoice: Any) -> str:
    return f"XRechnung-{invoice.number}.xml"
