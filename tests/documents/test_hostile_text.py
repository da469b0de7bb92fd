"""Every document kind survives hostile text: it stays on the page and fetches nothing.

The text a freelancer, a client or an import can put into a document: a 200-character word, 300
lines, control characters, emoji, CJK, right-to-left script, and HTML/CSS that tries to load
``file://`` and ``http://`` URLs. Each document (offer draft and sent, invoice draft and issued,
cancellation invoice, reminder letter) is rendered with it in every field it prints, then read
back with ``pdftotext -bbox``: every word must lie inside the page's printable area, the URL
fetcher must have served nothing but our static files, and the loopback server nothing at all.

XML 1.0 forbids control characters, and since text is cleaned where it enters, the issued
invoices carry them only in what the e-invoice does not contain (the greeting, project title,
phone, website); the PDF side must survive them everywhere, drafts included.
"""

from __future__ import annotations

import datetime
import io
import subprocess
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.db import models
from facturx import get_xml_from_pdf, xml_check_xsd

from clients.tests.factories import ClientFactory
from communications.letters import reminder_letter_pdf
from communications.models import Message, ReminderItem
from communications.tests.factories import MessageFactory
from crm import pdf as crm_pdf
from crm.pdf_layout import Word, pdf_words
from projects import documents
from projects.models import Invoice
from projects.services.invoices import invoice_cancel, invoice_create, invoice_issue
from projects.services.offers import offer_create, offer_send
from projects.tests.factories import (
    InvoiceLineFactory,
    MilestoneFactory,
    OfferLineFactory,
    ProjectFactory,
    ScopeItemFactory,
)

pytestmark = pytest.mark.django_db

# What no printer loses: A4 less 10 mm at every edge (the layout's own margins are wider).
PRINTABLE = {"left": 10.0, "top": 8.0, "right": 200.0, "bottom": 289.0}
LONG_WORD = "Wolkenkratzerfensterputzer" * 8  # 208 characters, no break opportunity
CONTROLS = "form\x0cfeed vertical\x0btab start\x01of\x1fheading\x7f"
WORLD = "Grüße 😀👍🏽👨‍👩‍👧 ❤️ 日本語のテキスト 中文 한국어 مرحبا بالعالم שלום עולם"
MANY_LINES = "\n".join(f"Zeile {number}" for number in range(300)) + "\n"


def markup(base: str) -> str:
    return (
        f'<img src="{base}/img.png"><link rel="stylesheet" href="{base}/style.css">'
        f'<div style="background: url({base}/bg.png)">x</div>'
        f"<style>@import url({base}/import.css); body {{ background: url(file:///etc/passwd) }}"
        '</style><img src="file:///etc/passwd"><iframe src="file:///etc/passwd"></iframe>'
        f'<svg><image href="{base}/svg.png"/></svg>'
    )


def hostile(base: str, *, controls: bool = True) -> str:
    parts = [LONG_WORD, WORLD, markup(base), LONG_WORD]
    if controls:
        parts.insert(1, CONTROLS)
    return " ".join(parts)


def fill(instance: models.Model, text: str, *names: str) -> None:
    """Set each named field to ``text``, cut to the field's length (the database enforces it)."""
    for name in names:
        field = instance._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        setattr(instance, name, text[:limit] if limit else text)
    instance.save()


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every URL the documents' fetcher is asked for."""
    urls: list[str] = []
    fetch = crm_pdf.StaticOnlyURLFetcher.fetch

    def recording(self: Any, url: str, headers: Any = None) -> Any:
        urls.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(crm_pdf.StaticOnlyURLFetcher, "fetch", recording)
    return urls


@pytest.fixture
def world(alice: Any, http_trap: tuple[str, list[str]]) -> dict[str, Any]:
    """Alice's letterhead, a client, a project with scope and milestones, all hostile."""
    base, requests = http_trap
    text, clean = hostile(base), hostile(base, controls=False)
    profile = alice.profile
    fill(profile, clean, "business_name", "display_name", "street", "city", "postal_code")
    fill(profile, clean, "bank_name", "tax_number", "vat_id", "bic", "iban")
    fill(profile, text, "phone", "website")
    profile.reply_to_email = ("w" * 60 + "@" + "x" * 60 + ".example")[:254]
    profile.save()
    client = ClientFactory(owner=alice, language="de", form_of_address="formal")
    fill(client, clean, "name", "street", "postal_code", "city", "email")
    fill(client, text, "salutation")
    project = ProjectFactory(owner=alice, client=client)
    fill(project, text, "title")
    fill(project, text, "description")
    for position in range(3):
        scope = ScopeItemFactory(project=project, position=position)
        fill(scope, text, "title", "description", "acceptance_criteria")
        MilestoneFactory(project=project, title=text[:200], due_on=datetime.date(2026, 12, 1))
    return {"base": base, "requests": requests, "client": client, "project": project}


def assert_on_the_page(pdf: bytes, *, fetched: list[str], requests: list[str]) -> list[Word]:
    words = pdf_words(pdf)
    assert words, "no text at all"
    outside = [
        word
        for word in words
        if word.left < PRINTABLE["left"]
        or word.top < PRINTABLE["top"]
        or word.right > PRINTABLE["right"]
        or word.bottom > PRINTABLE["bottom"]
    ]
    assert outside == [], outside[:5]
    static = crm_pdf.StaticOnlyURLFetcher().static_prefix
    assert [url for url in fetched if not url.startswith((static, "data:"))] == []
    assert requests == []
    assert "root:x:0:0" not in " ".join(word.text for word in words)
    return words


def assert_scripts_survive(pdf: bytes) -> None:
    """CJK and emoji are drawn with embedded fonts and read back as text (no empty boxes)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    assert "Noto-Sans-CJK" in fonts
    assert "Noto-Color-Emoji" in fonts
    for sample in ("日本語", "😀", "한국어", "שלום"):
        assert sample in text
    assert not any(char in text for char in "\x01\x0b\x1f\x7f")


def lines_for(make: Callable[..., Any], owner: Any, text: str, **document: Any) -> None:
    for index in range(12):
        line = make(**document, description=f"{index} {text}"[:500], unit="h" * 20)
        line.quantity = Decimal("1000.25")
        line.unit_price = Decimal("99999.99")
        line.save()


def test_it_keeps_every_offer_on_the_page(
    alice: Any, world: dict[str, Any], fetched: list[str]
) -> None:
    text = hostile(world["base"])
    offer = offer_create(project=world["project"], actor=alice)
    fill(offer, MANY_LINES + text, "intro_text")
    fill(offer, text, "closing_text")
    lines_for(OfferLineFactory, alice, text, offer=offer)

    draft = documents.offer_pdf(offer)
    sent = documents.offer_pdf(offer_send(offer=offer, actor=alice))

    for pdf in (draft, sent):
        assert_on_the_page(pdf, fetched=fetched, requests=world["requests"])
    assert_scripts_survive(sent)


def test_it_keeps_every_invoice_and_its_cancellation_on_the_page(
    alice: Any, world: dict[str, Any], fetched: list[str]
) -> None:
    text, clean = hostile(world["base"]), hostile(world["base"], controls=False)
    invoice = invoice_create(project=world["project"], actor=alice)
    invoice.lines.all().delete()
    fill(invoice, MANY_LINES + text, "notes")
    lines_for(InvoiceLineFactory, alice, text, invoice=invoice)
    draft = documents.invoice_pdf(invoice)

    fill(invoice, MANY_LINES + clean, "notes")
    for line in invoice.lines.all():
        fill(line, f"{line.position} {clean}", "description")
        fill(line, "h" * 20, "unit")
    issued = invoice_issue(invoice=invoice, actor=alice)
    storno = invoice_cancel(invoice=issued, actor=alice)

    assert_on_the_page(draft, fetched=fetched, requests=world["requests"])
    for document in (Invoice.objects.get(pk=issued.pk), storno):
        pdf = documents.invoice_pdf(document)
        assert_on_the_page(pdf, fetched=fetched, requests=world["requests"])
        assert_scripts_survive(pdf)
        assert xml_check_xsd(get_xml_from_pdf(io.BytesIO(pdf), check_xsd=False)[1])
        assert pypdf.PdfReader(io.BytesIO(pdf)).attachments


def test_it_keeps_a_reminder_letter_on_the_page(
    alice: Any, world: dict[str, Any], fetched: list[str]
) -> None:
    text = hostile(world["base"])
    invoice = invoice_create(project=world["project"], actor=alice)
    Invoice.objects.filter(pk=invoice.pk).update(
        number="2026-0001"[:20],
        status=Invoice.Status.OPEN,
        issued_on=datetime.date(2026, 9, 1),
        due_on=datetime.date(2026, 9, 15),
        total_gross=Decimal("9999999999.99"),
    )
    message = MessageFactory(
        owner=alice, client=world["client"], kind=Message.Kind.REMINDER_3, body_text=""
    )
    fill(message, text, "subject")
    fill(message, MANY_LINES.replace("\n", "\n\n") + text, "body_text")
    ReminderItem.objects.create(
        message=message, invoice=invoice, level=3, amount_due=Decimal("9999999999.99")
    )

    pdf = reminder_letter_pdf(message)

    assert_on_the_page(pdf, fetched=fetched, requests=world["requests"])
    assert_scripts_survive(pdf)
