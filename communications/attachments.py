"""Attachments of outgoing messages, rendered at send time from what the message names.

``attachment_files`` names each file as the client receives it ("Rechnung-2026-0001.pdf"), so
the message page shows that name; the bytes are rendered only when the dispatcher sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from crm.mail import Attachment

from .letters import LETTER, reminder_letter_pdf
from .models import Message


def attachment_files(message: Message) -> list[tuple[str, Callable[[], bytes]]]:
    """Return ``(file name, render)`` for each attachment of ``message``; renders nothing.

    One query per offer or invoice named; one that is gone raises ``DoesNotExist`` (the
    dispatcher then fails the message rather than send a mail without what it announces).
    """
    from projects import documents
    from projects.models import Invoice, Offer

    german = message.client.language == "de"
    files: list[tuple[str, Callable[[], bytes]]] = []
    for spec in message.attachments or []:
        kind: Any = spec.get("type")
        if kind == "offer":
            offer = Offer.objects.get(pk=spec["id"], owner_id=message.owner_id)
            label = "Angebot" if german else "Offer"
            files.append(
                (
                    f"{label}-{offer.number}-v{offer.version}.pdf",
                    lambda offer=offer: documents.offer_pdf(offer),
                )
            )
        elif kind == "invoice":
            invoice = Invoice.objects.get(pk=spec["id"], owner_id=message.owner_id)
            label = "Rechnung" if german else "Invoice"
            files.append(
                (
                    f"{label}-{invoice.number}.pdf",
                    lambda invoice=invoice: documents.invoice_pdf(invoice),
                )
            )
        elif kind == LETTER["type"]:
            label = "Mahnung" if german else "Final-notice"
            files.append(
                (
                    f"{label}-{message.created_at:%Y-%m-%d}.pdf",
                    lambda: reminder_letter_pdf(message),
                )
            )
    return files


def attachment_names(message: Message) -> list[str]:
    """Return the file names the client receives with ``message`` (for the message page).

    An attachment whose offer or invoice is gone shows as missing.
    """
    try:
        return [name for name, _render in attachment_files(message)]
    except ObjectDoesNotExist:
        return [str(_("(a document that no longer exists)"))]


def attachments_for(message: Message) -> list[Attachment]:
    """Return the files to attach to ``message`` (offer/invoice PDFs, the reminder letter)."""
    return [Attachment(name, render()) for name, render in attachment_files(message)]
