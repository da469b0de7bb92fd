"""Attachments of outgoing messages, rendered at send time from what the message names."""

from __future__ import annotations

from typing import Any

from crm.mail import Attachment

from .letters import LETTER, reminder_letter_pdf
from .models import Message


def _document(message: Message, spec: dict[str, Any]) -> Any:
    """Return the offer or invoice ``spec`` names (the freelancer's own), or None."""
    from projects.models import Invoice, Offer

    model = {"offer": Offer, "invoice": Invoice}.get(spec.get("type", ""))
    if model is None:
        return None
    return model.objects.get(pk=spec["id"], owner_id=message.owner_id)


def attachment_name(message: Message, spec: dict[str, Any], document: Any = None) -> str:
    """Return the file name the client sees for one attachment, e.g. "Mahnung-2026-11-30.pdf".

    The message page shows it too, so the freelancer reads what the client will get, never the
    internal type ("reminder_letter").
    """
    german = message.client.language == "de"
    kind = spec.get("type")
    if kind == LETTER["type"]:
        return f"{'Mahnung' if german else 'Final-notice'}-{message.created_at:%Y-%m-%d}.pdf"
    document = document or _document(message, spec)
    if kind == "offer":
        label = "Angebot" if german else "Offer"
        return f"{label}-{document.number}-v{document.version}.pdf"
    return f"{'Rechnung' if german else 'Invoice'}-{document.number}.pdf"


def attachment_names(message: Message) -> list[str]:
    """Return the file names of everything ``message`` carries (for the message page)."""
    return [attachment_name(message, spec) for spec in message.attachments or []]


def attachments_for(message: Message) -> list[Attachment]:
    """Return the files to attach to ``message`` (offer/invoice PDFs, the reminder letter)."""
    files: list[Attachment] = []
    for spec in message.attachments or []:
        kind: Any = spec.get("type")
        if kind == "offer":
            from projects.documents import offer_pdf

            offer = _document(message, spec)
            files.append(Attachment(attachment_name(message, spec, offer), offer_pdf(offer)))
        elif kind == "invoice":
            from projects.documents import invoice_pdf

            invoice = _document(message, spec)
            files.append(Attachment(attachment_name(message, spec, invoice), invoice_pdf(invoice)))
        elif kind == LETTER["type"]:
            files.append(Attachment(attachment_name(message, spec), reminder_letter_pdf(message)))
    return files
