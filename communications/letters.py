"""The reminder letter: the formal final notice as a PDF for post, in the e-mail's wording.

A level-3 reminder names ``LETTER`` in its ``attachments``; the dispatcher renders it at send
time (``communications.attachments``), from the message and its reminder items.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.pdf import render_pdf

from .models import Message

# The attachment spec a final notice carries (see Message.attachments).
LETTER = {"type": "reminder_letter"}


def reminder_letter_context(message: Message) -> dict[str, Any]:
    """Return what the PDF letter of a final notice shows (same wording as the e-mail)."""
    client = message.client
    profile = client.owner.profile_or_default
    items = list(message.reminder_items.select_related("invoice").order_by("invoice__due_on"))
    # One total per currency: amounts of different currencies are never added together.
    totals: dict[str, Decimal] = {}
    for item in items:
        currency = item.invoice.currency
        totals[currency] = totals.get(currency, Decimal(0)) + item.invoice.amount_due
    return {
        "message": message,
        "client": client,
        "recipient_lines": client.letter_lines(home=profile.country.code),
        "profile": profile,
        "items": items,
        "totals": sorted(totals.items()),
        "language": client.language,
        "paragraphs": [p for p in message.body_text.split("\n\n") if p.strip()],
    }


def reminder_letter_pdf(message: Message) -> bytes:
    """Return the formal final notice as a PDF letter (for post); writes nothing."""
    return render_pdf("documents/reminder_letter.html", reminder_letter_context(message))
