"""Attachments of outgoing messages, rendered at send time from what the message names."""

from __future__ import annotations

from typing import Any

from crm.mail import Attachment

from .letters import LETTER, reminder_letter_pdf
from .models import Message


def attachments_for(message: Message) -> list[Attachment]:
    """Return the files to attach to ``message`` (offer/invoice PDFs, the reminder letter)."""
    from projects.models import Invoice, Offer

    files: list[Attachment] = []
    for spec in message.attachments or []:
        kind: Any = spec.get("type")
        if kind == "offer":
            from projects.documents import offer_pdf

            offer = Offer.objects.get(pk=spec["id"], owner_id=message.owner_id)
            files.append(
                Attachment(
                    f"Angebot-{offer.number}-v{offer.version}.pdf"
                    if message.client.language == "de"
                    else f"Offer-{offer.number}-v{offer.version}.pdf",
                    offer_pdf(offer),
                )
            )
        elif kind == "invoice":
            from projects.documents import invoice_pdf

            invoice = Invoice.objects.get(pk=spec["id"], owner_id=message.owner_id)
            label = "Rechnung" if message.client.language == "de" else "Invoice"
            files.append(Attachment(f"{label}-{invoice.number}.pdf", invoice_pdf(invoice)))
        elif kind == LETTER["type"]:
            label = "Mahnung" if message.client.language == "de" else "Final-notice"
            files.append(
                Attachment(
                    f"{label}-{message.created_at:%Y-%m-%d}.pdf", reminder_letter_pdf(message)
                )
            )
    return files
