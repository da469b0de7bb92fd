"""E-invoice files of an issued invoice: the XRechnung download (app and portal).

XRechnung asks for two details that route and answer the invoice rather than make it one under
§ 14 UStG: the buyer's Leitweg-ID (BT-10) and the seller's contact telephone (BT-42). When the
frozen snapshot lacks them (the client or profile got them after issuing), they are taken from
the client and the profile as they are now; everything else comes from the snapshot.
"""

from __future__ import annotations

from typing import Any

from .builder import xrechnung_xml


def buyer_reference(invoice: Any) -> str:
    """Return the Leitweg-ID to quote (BT-10): frozen with the invoice, else the client's."""
    frozen = (invoice.snapshot or {}).get("buyer", {}).get("leitweg_id", "")
    return (frozen or invoice.client.leitweg_id or "").strip()


def _seller_phone(invoice: Any) -> str:
    frozen = (invoice.snapshot or {}).get("seller", {}).get("phone", "")
    return (frozen or invoice.owner.profile_or_default.phone or "").strip()


def xrechnung_missing(invoice: Any) -> list[str]:
    """Return what an issued invoice lacks for an XRechnung: "leitweg_id", "phone" (or none)."""
    missing = []
    if not buyer_reference(invoice):
        missing.append("leitweg_id")
    if not _seller_phone(invoice):
        missing.append("phone")
    return missing


def xrechnung_available(invoice: Any) -> bool:
    """Return whether an XRechnung can be made: issued, with a Leitweg-ID and a phone number."""
    return invoice.status != invoice.Status.DRAFT and not xrechnung_missing(invoice)


def xrechnung_for(invoice: Any, data: dict[str, Any]) -> bytes:
    """Return the XRechnung 3.0 (CII) of an issued invoice from its document data (the frozen
    snapshot, ``documents.invoice_data``)."""
    seller = {**data["seller"], "phone": _seller_phone(invoice)}
    return xrechnung_xml({**data, "seller": seller}, buyer_reference=buyer_reference(invoice))


def xrechnung_filename(invoice: Any) -> str:
    return f"XRechnung-{invoice.number}.xml"
