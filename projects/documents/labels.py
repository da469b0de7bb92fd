"""The words of offer and invoice documents in the client's language: labels, the VAT notes
(§ 19, § 13b, § 14a UStG) and the default opening and closing of an offer. Data, not gettext:
the document speaks to the client, whatever language the freelancer reads.
"""

from __future__ import annotations

from typing import Any

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
