"""What offer and invoice documents say: money, the frozen data (snapshot), the template
context (labels and default texts: ``labels``).

A document is rendered from a plain, JSON-friendly dict, never from live rows: a sent offer and
an issued invoice carry that dict in ``snapshot``, so rendering them again gives the same text
even after the client, the profile or the project changed. Drafts build the dict on the fly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.countries import address_country_line
from crm.templatetags.crm_format import format_document_date, format_money

from ..models import Invoice, Offer, Project
from .labels import LABELS, SMALL_BUSINESS_NOTE, VAT_NOTES

CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Money


def totals_by_rate(lines: list[dict[str, Any]], *, is_vat_exempt: bool) -> dict[str, Any]:
    """Return net per line, net and VAT per rate, and the net/VAT/gross totals (as Decimals)."""
    groups: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = Decimal(0) if is_vat_exempt else Decimal(str(line["vat_rate"]))
        groups[rate] = groups.get(rate, Decimal(0)) + Decimal(str(line["net"]))
    rates = [
        {
            "rate": rate,
            "net": net,
            # "+ 0" drops the sign of a zero: -0.00 is no amount (EN 16931 BR-E-09, BR-CO-14).
            "vat": (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) + 0,
        }
        for rate, net in sorted(groups.items(), reverse=True)
    ]
    net = sum((group["net"] for group in rates), Decimal(0))
    vat = sum((group["vat"] for group in rates), Decimal(0))
    return {"rates": rates, "net": net, "vat": vat, "gross": net + vat}


def line_data(line: Any, *, sign: int = 1) -> dict[str, Any]:
    """Return one line item as plain values (``sign=-1`` for a cancellation invoice)."""
    quantity = line.quantity * sign
    return {
        "position": line.position,
        "kind": line.kind,
        "description": line.description,
        "quantity": str(quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "vat_rate": str(line.vat_rate),
        "net": str((quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)),
    }


def _plain_totals(totals: dict[str, Any]) -> dict[str, Any]:
    return {
        "rates": [
            {"rate": str(group["rate"]), "net": str(group["net"]), "vat": str(group["vat"])}
            for group in totals["rates"]
        ],
        "net": str(totals["net"]),
        "vat": str(totals["vat"]),
        "gross": str(totals["gross"]),
    }


# ---------------------------------------------------------------------------------------------
# Parties


def seller_data(user: Any) -> dict[str, Any]:
    """Return the freelancer's letterhead data as plain values."""
    return user.profile_or_default.plain_values()


def buyer_data(client: Any) -> dict[str, Any]:
    """Return the client's address and tone of address as plain values."""
    tone = client.tone
    return {
        "name": client.name,
        "kind": client.kind,
        "street": client.street,
        "postal_code": client.postal_code,
        "city": client.city,
        # The ISO code; a country typed before codes and not recognised stays as typed (an
        # invoice is not issued with it: services.invoices asks for the country first).
        "country": client.country.code or client.country_unrecognised,
        "email": client.email,
        "vat_id": client.vat_id,
        "leitweg_id": client.leitweg_id,
        "salutation": client.salutation,
        "language": tone.language,
        "form": tone.form,
        "greeting": tone.greeting,
        "closing": tone.closing,
    }


# ---------------------------------------------------------------------------------------------
# Offers


def offer_snapshot(
    offer: Offer,
    *,
    lines: list[Any] | None = None,
    scope: list[Any] | None = None,
    milestones: list[Any] | None = None,
    seller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return everything the offer document shows, as JSON-friendly values.

    The keyword arguments let bulk callers (demo data) pass rows they already hold.
    """
    project: Project = offer.project
    client = project.client
    line_rows = [line_data(line) for line in (offer.lines.all() if lines is None else lines)]
    scope = list(project.scope_items.all()) if scope is None else scope
    milestones = list(project.milestones.all()) if milestones is None else milestones
    return {
        "kind": "offer",
        "number": offer.number,
        "version": offer.version,
        "issued_on": offer.issued_on.isoformat(),
        "valid_until": offer.valid_until.isoformat(),
        "project_title": project.title,
        "project_description": project.description,
        "currency": project.currency,
        "is_vat_exempt": project.is_vat_exempt,
        "payment_terms_days": project.payment_terms_days,
        "revisions_agreed": project.revisions_agreed,
        "intro": offer.intro_text,
        "closing": offer.closing_text,
        "seller": seller or seller_data(offer.owner),
        "buyer": buyer_data(client),
        "scope_in": [
            {
                "title": item.title,
                "description": item.description,
                "acceptance": item.acceptance_criteria,
            }
            for item in scope
            if item.is_in_scope
        ],
        "scope_out": [
            {"title": item.title, "description": item.description}
            for item in scope
            if not item.is_in_scope
        ],
        "milestones": [
            {"title": milestone.title, "due_on": milestone.due_on.isoformat()}
            for milestone in milestones
        ],
        "lines": line_rows,
        "totals": _plain_totals(totals_by_rate(line_rows, is_vat_exempt=project.is_vat_exempt)),
    }


def offer_data(offer: Offer) -> dict[str, Any]:
    """Return the offer's document data: the frozen snapshot once sent, else built live."""
    if offer.snapshot and offer.is_frozen:
        return offer.snapshot
    return offer_snapshot(offer)


# ---------------------------------------------------------------------------------------------
# Invoices


def invoice_snapshot(
    invoice: Invoice,
    *,
    lines: list[Any] | None = None,
    seller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return everything the invoice document shows, as JSON-friendly values."""
    client = invoice.client
    lines = [line_data(line) for line in (invoice.lines.all() if lines is None else lines)]
    vat_treatment = "standard" if invoice.is_vat_exempt else invoice.vat_treatment
    if vat_treatment != "standard":
        # Reverse charge or not taxable here: no German VAT on any line.
        lines = [{**line, "vat_rate": "0.00"} for line in lines]
    totals = totals_by_rate(lines, is_vat_exempt=invoice.is_vat_exempt)
    cancels = invoice.cancels
    return {
        "kind": "cancellation" if cancels else "invoice",
        "number": invoice.number,
        "issued_on": invoice.issued_on.isoformat() if invoice.issued_on else "",
        "delivery_from": invoice.delivery_from.isoformat() if invoice.delivery_from else "",
        "delivery_to": invoice.delivery_to.isoformat() if invoice.delivery_to else "",
        "due_on": invoice.due_on.isoformat() if invoice.due_on else "",
        "cancels_number": cancels.number if cancels else "",
        "cancels_issued_on": cancels.issued_on.isoformat() if cancels and cancels.issued_on else "",
        "project_title": invoice.project.title,
        "currency": invoice.currency,
        "is_vat_exempt": invoice.is_vat_exempt,
        "vat_treatment": vat_treatment,
        "notes": invoice.notes,
        "seller": seller or seller_data(invoice.owner),
        "buyer": buyer_data(client),
        "lines": lines,
        "totals": _plain_totals(totals),
    }


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    """Return the invoice's document data: frozen once issued, else built live."""
    if invoice.snapshot and invoice.status != Invoice.Status.DRAFT:
        return invoice.snapshot
    return invoice_snapshot(invoice)


# ---------------------------------------------------------------------------------------------
# Presentation


@dataclass(frozen=True)
class _Formats:
    """Money, dates and numbers as a document in ``language`` writes them."""

    language: str
    currency: str
    country: str

    def money(self, value: Any) -> str:
        return format_money(value, self.currency, self.language)

    def date(self, value: str) -> str:
        if not value:
            return ""
        return format_document_date(datetime.date.fromisoformat(value), self.language, self.country)

    def number(self, value: str) -> str:
        text = f"{Decimal(value).normalize():f}"
        return text.replace(".", ",") if self.language == "de" else text


def _lines_display(data: dict[str, Any], fmt: _Formats, labels: dict[str, str]) -> list[dict]:
    """Return the lines with their numbers formatted and the label of their kind."""
    return [
        {
            **line,
            "index": index,
            "quantity_display": fmt.number(line["quantity"]),
            "unit_price_display": fmt.money(line["unit_price"]),
            "vat_display": f"{fmt.number(line['vat_rate'])} %",
            "net_display": fmt.money(line["net"]),
            # A discount or goodwill credit is named as such ("Nachlass", "Kulanz").
            "kind_label": labels.get(line.get("kind", "item"), ""),
        }
        for index, line in enumerate(data["lines"], start=1)
    ]


def _rates_display(totals: dict[str, Any], fmt: _Formats, labels: dict[str, str]) -> list[dict]:
    """Return net and VAT per VAT rate, labelled and formatted."""
    return [
        {
            "net_label": labels["net_at"].format(rate=fmt.number(group["rate"])),
            "vat_label": labels["vat_at"].format(rate=fmt.number(group["rate"])),
            "net": fmt.money(group["net"]),
            "vat": fmt.money(group["vat"]),
        }
        for group in totals["rates"]
    ]


def _address_lines(seller: dict[str, Any], buyer: dict[str, Any], language: str) -> dict:
    """Return the seller's and the buyer's address lines (the buyer's country when abroad)."""
    return {
        "seller_lines": [
            line
            for line in (
                seller["business_name"] or seller["name"],
                seller["street"],
                " ".join(p for p in (seller["postal_code"], seller["city"]) if p),
            )
            if line
        ],
        "buyer_lines": [
            line
            for line in (
                buyer["name"],
                buyer["street"],
                " ".join(p for p in (buyer["postal_code"], buyer["city"]) if p),
                address_country_line(
                    buyer["country"], home=seller.get("country", ""), language=language
                ),
            )
            if line
        ],
    }


def _texts(data: dict[str, Any], fmt: _Formats, labels: dict[str, str], due: str) -> dict:
    """Return the sentences built from the data: revisions, payment terms, the VAT notes."""
    language = fmt.language
    informal_de = language == "de" and data["buyer"]["form"] == "informal"
    return {
        "revisions_text": labels["revisions_text"].format(n=data.get("revisions_agreed", 0)),
        "payment_terms_text": labels["payment_terms_text"].format(
            days=data.get("payment_terms_days", 14)
        ),
        "pay_until_text": (labels["pay_until_du"] if informal_de else labels["pay_until"]).format(
            date=due
        ),
        "small_business_note": SMALL_BUSINESS_NOTE[language] if data["is_vat_exempt"] else "",
        "vat_note": VAT_NOTES.get(data.get("vat_treatment", ""), {}).get(language, ""),
    }


def document_context(data: dict[str, Any], *, is_draft: bool, logo: str = "") -> dict[str, Any]:
    """Return the template context: the data plus formatted money and dates in its language."""
    language = data["buyer"]["language"]
    labels = LABELS[language]
    fmt = _Formats(language, data["currency"], data["buyer"].get("country", ""))
    date = fmt.date
    totals = data["totals"]
    rates = _rates_display(totals, fmt, labels)
    due = date(data.get("due_on", ""))
    return {
        "doc": data,
        "labels": labels,
        "language": language,
        "is_draft": is_draft,
        "logo": logo,
        "lines": _lines_display(data, fmt, labels),
        "rates": rates,
        "show_rates": len(rates) > 1 or not data["is_vat_exempt"],
        "net_total": fmt.money(totals["net"]),
        "vat_total": fmt.money(totals["vat"]),
        "gross_total": fmt.money(totals["gross"]),
        **_address_lines(data["seller"], data["buyer"], language),
        "issued_on": date(data.get("issued_on", "")),
        "valid_until": date(data.get("valid_until", "")),
        "delivery_from": date(data.get("delivery_from", "")),
        "delivery_to": date(data.get("delivery_to", "")),
        "due_on": due,
        "cancels_issued_on": date(data.get("cancels_issued_on", "")),
        "milestones": [
            {"title": milestone["title"], "due_on": date(milestone["due_on"])}
            for milestone in data.get("milestones", [])
        ],
        **_texts(data, fmt, labels, due),
    }
