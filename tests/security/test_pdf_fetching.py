"""PDF documents never fetch remote or local-file URLs planted in user-edited text.

projects/tests/test_pdf.py proves crm.pdf's fetcher refuses such URLs in hand-written HTML; this
file goes through the real documents (offer, invoice, reminder letter) with the payloads placed in
every field a freelancer or an import can fill: line descriptions, intro text, client name and
address, notes, profile letterhead, message text. A loopback HTTP server must receive no request
and no local file's content may end up in the PDF.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pypdf

from clients.tests.factories import ClientFactory, NoteFactory
from communications.letters import reminder_letter_pdf
from communications.models import Message, ReminderItem
from communications.tests.factories import MessageFactory
from projects.documents import invoice_pdf, offer_pdf
from projects.models import Invoice
from projects.tests.factories import (
    InvoiceFactory,
    InvoiceLineFactory,
    OfferFactory,
    OfferLineFactory,
    ProjectFactory,
)


def payloads(base: str) -> list[str]:
    return [
        f'<img src="{base}/img.png">',
        f'<link rel="stylesheet" href="{base}/style.css">',
        f'<div style="background: url({base}/bg.png)">x</div>',
        f"<style>@import url({base}/import.css); body {{ background: url({base}/b.png) }}</style>",
        '<img src="file:///etc/passwd">',
        '<iframe src="file:///etc/passwd"></iframe>',
        f'<object data="{base}/obj"></object><embed src="{base}/embed">',
        f'<svg><image href="{base}/svg.png"/></svg>',
    ]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def plant(user: Any, base: str) -> tuple[Any, str]:
    """Spread the payloads over the letterhead and a client; return the client and all of them."""
    each = payloads(base)
    profile = user.profile
    profile.business_name = each[0][:200]
    profile.street = each[1][:200]
    profile.city = each[2][:100]
    profile.bank_name = each[4][:100]
    profile.display_name = each[7][:120]
    profile.save()
    client = ClientFactory(
        owner=user, name=each[3][:200], street=each[5][:200], salutation=each[6][:100]
    )
    text = "\n".join(each)
    NoteFactory(client=client, body=text)
    return client, text


def assert_untouched(pdf: bytes, requests: list[str]) -> None:
    assert pdf.startswith(b"%PDF")
    assert requests == []
    assert "root:x:0:0" not in pdf_text(pdf)


def test_it_fetches_nothing_for_an_offer(alice: Any, http_trap: tuple[str, list[str]]) -> None:
    base, requests = http_trap
    client, text = plant(alice, base)
    project = ProjectFactory(owner=alice, client=client, title=text[:200])
    offer = OfferFactory(project=project, intro_text=text)
    for payload in payloads(base):
        OfferLineFactory(offer=offer, description=payload)

    assert_untouched(offer_pdf(offer), requests)


def test_it_fetches_nothing_for_an_invoice(alice: Any, http_trap: tuple[str, list[str]]) -> None:
    base, requests = http_trap
    client, text = plant(alice, base)
    project = ProjectFactory(owner=alice, client=client, title=text[:200])
    invoice = InvoiceFactory(
        project=project,
        number="2026-0001",
        status=Invoice.Status.OPEN,
        issued_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 10, 15),
    )
    for payload in payloads(base):
        InvoiceLineFactory(invoice=invoice, description=payload)
    Invoice.objects.filter(pk=invoice.pk).update(notes=text)
    invoice.refresh_from_db()

    assert_untouched(invoice_pdf(invoice), requests)


def test_it_fetches_nothing_for_a_reminder_letter(
    alice: Any, http_trap: tuple[str, list[str]]
) -> None:
    base, requests = http_trap
    client, text = plant(alice, base)
    project = ProjectFactory(owner=alice, client=client, title=text[:200])
    invoice = InvoiceFactory(
        project=project,
        number="2026-0002",
        status=Invoice.Status.OPEN,
        issued_on=datetime.date(2026, 9, 1),
        due_on=datetime.date(2026, 9, 15),
        total_net=Decimal("100.00"),
        total_vat=Decimal("19.00"),
        total_gross=Decimal("119.00"),
    )
    message = MessageFactory(
        owner=alice,
        client=client,
        kind=Message.Kind.REMINDER_3,
        subject=text[:300],
        body_text=f"Sehr geehrte Damen und Herren,\n\n{text}\n\nMit freundlichen Grüßen",
    )
    ReminderItem.objects.create(
        message=message, invoice=invoice, level=3, amount_due=Decimal("119.00")
    )

    assert_untouched(reminder_letter_pdf(message), requests)


def test_it_shows_planted_markup_as_text_in_the_pdf(
    alice: Any, http_trap: tuple[str, list[str]]
) -> None:
    base, requests = http_trap
    client = ClientFactory(owner=alice, name="Zylinder <b>GmbH</b>")
    offer = OfferFactory(project=ProjectFactory(owner=alice, client=client))
    OfferLineFactory(offer=offer, description=f'Design <img src="{base}/x.png">')

    text = pdf_text(offer_pdf(offer))

    assert "Zylinder <b>GmbH</b>" in text
    assert requests == []
