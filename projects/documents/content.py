"""What offer and invoice documents say: labels, texts, money, the frozen data (snapshot).

A document is rendered from a plain, JSON-friendly dict, never from live rows: a sent offer and
an issued invoice carry that dict in ``snapshot``, so rendering them again gives the same text
even after the client, the profile or the project changed. Drafts build the dict on the fly.
Labels are in the client's language (data, not gettext: the document speaks to the client).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.countries import address_country_line
from crm.templatetags.crm_format import format_document_date, format_money

from ..models import Invoice, Offer, Project

CENT = Decimal("0.01")
SMALL_BUSINESS_NOTE = {
    "de": "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
    "en": "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet. "
    "(Small business: no VAT is charged under section 19 of the German VAT Act.)",
}
# § 14a UStG: the note an invoice without German VAT must carry, by VAT treatment.
VAT_NOTES = {
    "reverse_charge": {
        "de": "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG).",
        "en": "Reverse charge: VAT is payable by the recipient of the service "
        "(Steuerschuldnerschaft des Leistungsempfängers, Art. 196 VAT Directive).",
    },
    "export": {
        "de": "Nicht im Inland steuerbare Leistung (Leistungsort im Drittland, § 3a Abs. 2 UStG).",
        "en": "Not subject to German VAT: the place of supply is outside the EU "
        "(section 3a (2) German VAT Act).",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "offer": "Angebot",
        "invoice": "Rechnung",
        "cancellation": "Stornorechnung",
        "cancels": "Storniert Rechnung Nr.",
        "draft": "ENTWURF",
        "text_replaced": "Hinweis: Der Text enthielt unsichtbare Steuerzeichen (etwa aus Word oder "
        "einem PDF kopiert); sie wurden für dieses Dokument entfernt.",
        "number": "Nummer",
        "version": "Version",
        "date": "Datum",
        "valid_until": "Gültig bis",
        "issue_date": "Rechnungsdatum",
        "delivery_period": "Leistungszeitraum",
        "due": "Fällig am",
        "customer": "Kunde",
        "scope_in": "Leistungsumfang",
        "scope_out": "Nicht im Leistungsumfang",
        "acceptance": "Abnahmekriterien",
        "revisions": "Korrekturschleifen",
        "revisions_text": "{n} Korrekturschleifen sind im Preis enthalten.",
        "milestones": "Meilensteine",
        "pos": "Pos.",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit": "Einheit",
        "unit_price": "Einzelpreis",
        "vat_rate": "USt.",
        "amount": "Betrag",
        "net_total": "Summe netto",
        "net_at": "Netto zu {rate} % USt.",
        "vat_at": "zzgl. {rate} % USt.",
        "gross_total": "Gesamtbetrag",
        "payment_terms": "Zahlungsbedingungen",
        "payment_terms_text": "Zahlbar innerhalb von {days} Tagen ohne Abzug.",
        "pay_until": "Bitte überweisen Sie den Betrag bis zum {date} auf das unten genannte Konto.",
        "pay_until_du": "Bitte überweise den Betrag bis zum {date} auf das unten genannte Konto.",
        "tax_number": "Steuernummer",
        "vat_id": "USt-IdNr.",
        "buyer_vat_id": "USt-IdNr. Kunde",
        "bank": "Bank",
        "page": "Seite",
        "of": "von",
        "due_on_label": "Fälligkeit",
        "reference": "Verwendungszweck",
        "discount": "Nachlass",
        "goodwill": "Kulanz",
    },
    "en": {
        "offer": "Offer",
        "invoice": "Invoice",
        "cancellation": "Cancellation invoice",
        "cancels": "Cancels invoice no.",
        "draft": "DRAFT",
        "text_replaced": "Note: the text held invisible control characters (pasted from Word or "
        "a PDF, say); they were removed for this document.",
        "number": "Number",
        "version": "Version",
        "date": "Date",
        "valid_until": "Valid until",
        "issue_date": "Invoice date",
        "delivery_period": "Delivery period",
        "due": "Due on",
        "customer": "Customer",
        "scope_in": "Scope of work",
        "scope_out": "Not included",
        "acceptance": "Acceptance criteria",
        "revisions": "Revision rounds",
        "revisions_text": "{n} revision rounds are included in the price.",
        "milestones": "Milestones",
        "pos": "No.",
        "description": "Description",
        "quantity": "Qty",
        "unit": "Unit",
        "unit_price": "Unit price",
        "vat_rate": "VAT",
        "amount": "Amount",
        "net_total": "Net total",
        "net_at": "Net at {rate} % VAT",
        "vat_at": "VAT {rate} %",
        "gross_total": "Total",
        "payment_terms": "Payment terms",
        "payment_terms_text": "Payable within {days} days without deduction.",
        "pay_until": "Please transfer the amount by {date} to the account below.",
        "pay_until_du": "Please transfer the amount by {date} to the account below.",
        "tax_number": "Tax number",
        "vat_id": "VAT ID",
        "buyer_vat_id": "Customer VAT ID",
        "bank": "Bank",
        "page": "Page",
        "of": "of",
        "due_on_label": "Due",
        "reference": "Reference",
        "discount": "Discount",
        "goodwill": "Goodwill",
    },
}


def default_texts(*, client: Any, project_title: str = "") -> dict[str, str]:
    """Return a well-written offer opening and closing in the client's language and tone.

    Without the greeting and the closing formula: the document renders those from the client's
    tone when it is built (``buyer_data``), so a client changed to "du" after the offer was
    drafted is greeted as "du" when it is sent.
    """
    tone = client.tone
    german = tone.language == "de"
    if german and tone.is_formal:
        intro = (
            "vielen Dank für Ihr Interesse. "
            f"Gern biete ich Ihnen {_quoted(project_title, 'de')}wie folgt an. "
            "Der Leistungsumfang ist unten genau beschrieben, damit wir beide wissen, "
            "was enthalten ist und was nicht."
        )
        closing = (
            "Ich freue mich auf die Zusammenarbeit. Bei Fragen erreichen Sie mich jederzeit; "
            "für Ihre Zusage genügt eine kurze Antwort."
        )
    elif german:
        intro = (
            "danke für deine Anfrage. "
            f"Hier ist mein Angebot für {_quoted(project_title, 'de', article=False)}"
            "mit genauem Leistungsumfang, damit wir beide wissen, was drin ist und was nicht."
        )
        closing = (
            "Ich freue mich auf die Zusammenarbeit. Wenn du Fragen hast, melde dich einfach; "
            "für deine Zusage reicht eine kurze Antwort."
        )
    elif tone.is_formal:
        intro = (
            "Thank you for your interest. "
            f"I am pleased to offer {_quoted(project_title, 'en')}as set out below. "
            "The scope is described in detail so that we both know what is included."
        )
        closing = (
            "I look forward to working with you. Should you have any questions, please do not "
            "hesitate to contact me; a short reply is enough to accept."
        )
    else:
        intro = (
            "Thanks for reaching out. Here is my offer for "
            f"{_quoted(project_title, 'en', article=False)}"
            "with the scope spelled out, so we both know what's in and what's out."
        )
        closing = (
            "Looking forward to it. Any questions, just let me know; "
            "a quick reply is all it takes to say yes."
        )
    return {"intro": intro, "closing": closing}


def _quoted(title: str, language: str, *, article: bool = True) -> str:
    if not title:
        return ""
    if language == "de":
        return f"das Projekt „{title}“ " if article else f"„{title}“ "
    return f"the project “{title}” " if article else f"“{title}” "


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


def document_context(data: dict[str, Any], *, is_draft: bool, logo: str = "") -> dict[str, Any]:
    """Return the template context: the data plus formatted money and dates in its language."""
    language = data["buyer"]["language"]
    labels = LABELS[language]
    currency = data["currency"]

    def money(value: Any) -> str:
        return format_money(value, currency, language)

    def date(value: str) -> str:
        if not value:
            return ""
        return format_document_date(
            datetime.date.fromisoformat(value), language, data["buyer"].get("country", "")
        )

    def number(value: str) -> str:
        text = f"{Decimal(value).normalize():f}"
        return text.replace(".", ",") if language == "de" else text

    def rate(value: str) -> str:
        return number(value)

    lines = [
        {
            **line,
            "index": index,
            "quantity_display": number(line["quantity"]),
            "unit_price_display": money(line["unit_price"]),
            "vat_display": f"{rate(line['vat_rate'])} %",
            "net_display": money(line["net"]),
            # A discount or goodwill credit is named as such ("Nachlass", "Kulanz").
            "kind_label": labels.get(line.get("kind", "item"), ""),
        }
        for index, line in enumerate(data["lines"], start=1)
    ]
    totals = data["totals"]
    rates = [
        {
            "net_label": labels["net_at"].format(rate=rate(group["rate"])),
            "vat_label": labels["vat_at"].format(rate=rate(group["rate"])),
            "net": money(group["net"]),
            "vat": money(group["vat"]),
        }
        for group in totals["rates"]
    ]
    seller = data["seller"]
    buyer = data["buyer"]
    informal_de = language == "de" and buyer["form"] == "informal"
    due = date(data.get("due_on", ""))
    return {
        "doc": data,
        "labels": labels,
        "language": language,
        "is_draft": is_draft,
        "logo": logo,
        "lines": lines,
        "rates": rates,
        "show_rates": len(rates) > 1 or not data["is_vat_exempt"],
        "net_total": money(totals["net"]),
        "vat_total": money(totals["vat"]),
        "gross_total": money(totals["gross"]),
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
