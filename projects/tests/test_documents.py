"""Offer and invoice PDFs: tone, scope, revisions, totals, frozen snapshots, Factur-X."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree

from clients.tests.factories import ClientFactory
from crm.pdf_layout import pdf_words
from projects import documents
from projects.models import Invoice
from projects.services.invoices import invoice_cancel, invoice_create, invoice_issue
from projects.services.offers import offer_create, offer_send

from .factories import InvoiceLineFactory, MilestoneFactory, ProjectFactory, ScopeItemFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_it_greets_a_formal_german_client_with_sie(offer: Any) -> None:
    text = _flat(_text(documents.offer_pdf(offer)))
    assert "Sehr geehrte Frau Dr. Weber" in text
    assert "Ihr" in text or "Ihnen" in text


def test_it_greets_an_informal_client_by_first_name(alice: Any, anna: Any) -> None:
    project = ProjectFactory(owner=alice, client=anna, title="Logo")
    offer = offer_create(project=project, actor=alice)
    text = _flat(_text(documents.offer_pdf(offer)))
    assert "Hallo Anna" in text
    assert "Sehr geehrte" not in text
    assert "Viele Grüße" in text


def test_it_writes_english_documents_for_english_clients(alice: Any) -> None:
    from clients.tests.factories import ClientFactory

    client = ClientFactory(
        owner=alice, kind="person", name="Emily Turner", salutation="Ms Turner", language="en"
    )
    project = ProjectFactory(owner=alice, client=client, title="Brochure")
    offer = offer_create(project=project, actor=alice)
    text = _flat(_text(documents.offer_pdf(offer)))
    assert "Dear Ms Turner" in text
    assert "Offer" in text
    assert "Page 1 of 1" in text


def test_it_shows_scope_revisions_milestones_and_totals(offer: Any) -> None:
    MilestoneFactory(
        project=offer.project, title="Entwurf fertig", due_on=datetime.date(2026, 12, 1)
    )
    text = _flat(_text(documents.offer_pdf(offer)))
    assert "Leistungsumfang" in text
    assert "Startseite" in text
    assert "Nicht im Leistungsumfang" in text
    assert "Shop" in text
    assert "2 Korrekturschleifen sind im Preis enthalten." in text
    assert "Entwurf fertig" in text
    assert "01.12.2026" in text
    # 10 x 95 + 20 x 80 = 2,550.00 net; 19 % = 484.50; gross 3,034.50
    assert "2.550,00 €" in text
    assert "484,50 €" in text
    assert "3.034,50 €" in text
    assert "Seite 1 von" in text
    assert "ENTWURF" in text


def test_it_renders_a_sent_offer_from_its_snapshot_the_same_twice(offer: Any) -> None:
    offer_send(offer=offer, actor=offer.owner)
    offer.refresh_from_db()
    first = _text(documents.offer_pdf(offer))
    # Everything live changes afterwards: the client, the scope, the lines, the profile.
    client = offer.project.client
    client.salutation = "Herr Schulz"
    client.save()
    offer.project.scope_items.update(title="Changed")
    offer.lines.update(unit_price=Decimal(1))
    offer.owner.profile.business_name = "Other name"
    offer.owner.profile.save()
    second = _text(documents.offer_pdf(offer))
    assert first == second
    assert "Sehr geehrte Frau Dr. Weber" in _flat(second)
    assert "ENTWURF" not in second


def test_it_escapes_markup_in_texts(offer: Any) -> None:
    offer.intro_text = '<img src="file:///etc/passwd"> <b>bold</b>'
    offer.save()
    text = _text(documents.offer_pdf(offer))
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text


def test_it_issues_an_invoice_as_factur_x_with_valid_xml(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=datetime.date(2026, 11, 23))
    pdf = documents.invoice_pdf(invoice)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "factur-x.xml" in reader.attachments
    xml = reader.attachments["factur-x.xml"][0]
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    filename, xml_again = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml_again == xml
    tree = etree.fromstring(xml)
    ns = {
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    }
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=ns) == "1130.50"
    assert (
        tree.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=ns)
        == "urn:cen.eu:en16931:2017"
    )
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp  # PDF/A-3 declared in the XMP metadata
    assert b"urn:factur-x" in xmp
    assert "/OutputIntents" in root


def test_it_prints_the_fields_section_14_ustg_requires(invoice: Any) -> None:
    invoice.delivery_from = datetime.date(2026, 11, 2)
    invoice.delivery_to = datetime.date(2026, 11, 20)
    invoice.save()
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=datetime.date(2026, 11, 23))
    text = _flat(_text(documents.invoice_pdf(invoice)))
    for expected in (
        "Alice Design",  # seller name
        "Hauptstraße 1",  # seller address
        "Sabine Weber",  # buyer name
        "Hauptstraße 5",  # buyer address
        "Steuernummer 12/345/67890",
        "USt-IdNr. DE123456789",
        "Rechnungsdatum 23.11.2026",
        "2026-0001",
        "Leistungszeitraum 02.11.2026 – 20.11.2026",
        "Design",
        "950,00 €",  # net
        "zzgl. 19 % USt. 180,50 €",
        "Gesamtbetrag 1.130,50 €",
    ):
        assert expected in text, expected


def test_it_prints_the_small_business_note_and_no_vat(alice: Any, weber: Any) -> None:
    project = ProjectFactory(owner=alice, client=weber, is_vat_exempt=True, vat_rate=0)
    invoice = invoice_create(project=project, actor=alice)
    invoice = invoice_issue(invoice=invoice, actor=alice)
    text = _flat(_text(documents.invoice_pdf(invoice)))
    assert "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet." in text
    assert "USt." not in text.replace("USt-IdNr.", "")
    xml = pypdf.PdfReader(io.BytesIO(documents.invoice_pdf(invoice))).attachments["factur-x.xml"][0]
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert b"<ram:CategoryCode>E</ram:CategoryCode>" in xml


def test_it_renders_a_cancellation_invoice_with_negative_amounts(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner)
    storno = invoice_cancel(invoice=invoice, actor=invoice.owner)
    pdf = documents.invoice_pdf(storno)
    text = _flat(_text(pdf))
    assert "Stornorechnung" in text
    assert f"Storniert Rechnung Nr. {invoice.number}" in text
    assert "-1.130,50 €" in text
    xml = pypdf.PdfReader(io.BytesIO(pdf)).attachments["factur-x.xml"][0]
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert b"<ram:TypeCode>384</ram:TypeCode>" in xml


def test_it_breaks_long_tables_across_pages_with_repeated_headers(invoice: Any) -> None:
    for index in range(45):
        InvoiceLineFactory(invoice=invoice, description=f"Position {index}")
    pdf = documents.invoice_pdf(invoice)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    pages_with_lines = [p.extract_text() for p in reader.pages if "Position" in p.extract_text()]
    assert len(pages_with_lines) >= 2
    for text in pages_with_lines:
        assert "Beschreibung" in text
        assert "Einzelpreis" in text
    assert "Seite 2 von" in _text(pdf)


def test_it_marks_a_draft_invoice_and_embeds_no_xml(invoice: Any) -> None:
    pdf = documents.invoice_pdf(invoice)
    assert "ENTWURF" in _text(pdf)
    assert not pypdf.PdfReader(io.BytesIO(pdf)).attachments


def test_it_sums_vat_per_rate() -> None:
    lines = [
        {"net": "100.00", "vat_rate": "19.00"},
        {"net": "0.05", "vat_rate": "19.00"},
        {"net": "50.00", "vat_rate": "7.00"},
    ]
    totals = documents.totals_by_rate(lines, is_vat_exempt=False)
    assert [(g["rate"], g["net"], g["vat"]) for g in totals["rates"]] == [
        (Decimal("19.00"), Decimal("100.05"), Decimal("19.01")),
        (Decimal("7.00"), Decimal("50.00"), Decimal("3.50")),
    ]
    assert totals["gross"] == Decimal("172.56")


def test_it_keeps_the_scope_order(alice: Any, weber: Any) -> None:
    project = ProjectFactory(owner=alice, client=weber)
    ScopeItemFactory(project=project, title="Zweitens", position=2)
    ScopeItemFactory(project=project, title="Erstens", position=1)
    offer = offer_create(project=project, actor=alice)
    titles = [item["title"] for item in documents.offer_snapshot(offer)["scope_in"]]
    assert titles == ["Erstens", "Zweitens"]
    assert Invoice.objects.count() == 0


def test_it_places_the_address_and_info_block_where_din_5008_form_b_says(offer: Any) -> None:
    words = [word for word in pdf_words(documents.offer_pdf(offer)) if word.page == 1]
    recipient = next(word for word in words if word.text == "Sabine")
    # Form B: the window's address zone runs from 62.7 mm (45 + 17.7) to 90 mm from the top,
    # text from 25 mm from the left edge.
    assert 62.7 <= recipient.top <= 90, recipient
    assert 24 <= recipient.left <= 30, recipient
    sender = next(word for word in words if word.text == "·" and word.top < 62.7)
    assert 45 <= sender.top <= 62.7, sender
    # The information block starts 50 mm from the top edge (not 60) and 125 mm from the left.
    label = next(word for word in words if word.text == "Angebot" and word.left > 120)
    assert 50 <= label.top <= 52, label
    assert 124.5 <= label.left <= 126, label


def test_it_writes_unambiguous_dates_in_each_language(alice: Any, weber: Any) -> None:
    english = ClientFactory(owner=alice, name="Jane Turner", language="en")
    data = documents.offer_snapshot(
        offer_create(project=ProjectFactory(client=english, owner=alice), actor=alice)
    )
    data["valid_until"] = "2026-11-11"
    assert documents.document_context(data, is_draft=True)["valid_until"] == "11 November 2026"
    data["buyer"]["country"] = "US"
    assert documents.document_context(data, is_draft=True)["valid_until"] == "November 11, 2026"
    data["buyer"]["language"] = "de"
    assert documents.document_context(data, is_draft=True)["valid_until"] == "11.11.2026"


def test_it_leaves_out_a_stored_logo_with_too_many_pixels(alice: Any, offer: Any) -> None:
    from django.core.files.base import ContentFile

    from crm.tests.test_profile import bomb_png

    profile = alice.profile
    profile.logo.save("old-bomb.png", ContentFile(bomb_png()))

    pdf = documents.offer_pdf_render(offer)

    assert not pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images


def test_it_keeps_the_totals_with_the_last_lines(invoice: Any) -> None:
    for index in range(29):
        InvoiceLineFactory(invoice=invoice, description=f"Position {index}")
    words = pdf_words(documents.invoice_pdf(invoice))
    rows = [word for word in words if word.text == "Position"]
    last, before = rows[-1], rows[-2]
    assert last.page == before.page
    pitch = last.top - before.top
    total = next(word for word in words if word.text == "Gesamtbetrag")
    assert total.page == last.page
    # Add just as many lines as still fit on the last page: then the totals would not.
    page_end = max(word.bottom for word in words if word.page == 1 and word.text == "Position")
    more = int((page_end - last.bottom) // pitch)
    assert total.bottom + more * pitch > page_end, "the totals would still fit: add lines"
    for index in range(29, 29 + more):
        InvoiceLineFactory(invoice=invoice, description=f"Position {index}")

    words = pdf_words(documents.invoice_pdf(invoice))

    total = next(word for word in words if word.text == "Gesamtbetrag")
    rows_with_total = [w for w in words if w.text == "Position" and w.page == total.page]
    assert rows_with_total, "the totals stand alone at the top of a page"


def test_it_greets_in_the_tone_the_client_has_when_the_offer_is_sent(alice: Any, anna: Any) -> None:
    anna.form_of_address = "formal"
    anna.salutation = "Frau Berger"
    anna.save()
    project = ProjectFactory(owner=alice, client=anna, title="Logo")
    offer = offer_create(project=project, actor=alice)
    assert "Sehr geehrte" not in offer.intro_text  # the greeting is not frozen into the text
    anna.form_of_address = "informal"
    anna.salutation = "Anna"
    anna.save()
    text = _flat(_text(documents.offer_pdf(offer)))
    assert "Hallo Anna" in text
    assert "Sehr geehrte" not in text
