"""E-invoices against the official rules: the Factur-X EN 16931 XSD and schematron (run with
Saxon) for every kind of invoice the app issues, and the XRechnung 3.0 rules for the export.

Each case issues a real invoice through the services and checks the XML built from its frozen
snapshot: no failed assert and no warning. The schematron is compiled once per test session
(``projects.einvoice.validation`` caches it), so each check costs tens of milliseconds.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from django.utils import translation
from lxml import etree

from clients.tests.factories import ClientFactory
from projects import documents
from projects.einvoice import invoice_xml, xrechnung_xml
from projects.einvoice.builder import NSMAP
from projects.einvoice.validation import (
    en16931_report,
    xrechnung_report,
    xrechnung_rules_report,
)
from projects.forms.invoices import InvoiceForm
from projects.models import Invoice
from projects.services import invoices as services
from projects.services.payments import invoice_record_payment

from .factories import InvoiceLineFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ISSUED_ON = datetime.date(2026, 12, 1)


def _xpath(xml: bytes, path: str) -> list[Any]:
    return etree.fromstring(xml).xpath(path, namespaces=NSMAP)


def _assert_clean(xml: bytes, report: Any) -> None:
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert report.warnings == [], "\n".join(map(str, report.warnings))


def _issue(
    owner: Any,
    *,
    client: Any = None,
    lines: tuple[tuple[str, ...], ...] = (("Design", "10", "95.00", "19.00"),),
    exempt: bool = False,
) -> Invoice:
    """Issue an invoice with ``lines`` of (description, quantity, unit price, VAT rate[, kind])."""
    client = client or ClientFactory(owner=owner)
    project = ProjectFactory(owner=owner, client=client, is_vat_exempt=exempt)
    invoice = services.invoice_create(project=project, actor=owner, today=ISSUED_ON)
    invoice.lines.all().delete()
    for position, (description, quantity, price, rate, *kind) in enumerate(lines, start=1):
        InvoiceLineFactory(
            invoice=invoice,
            position=position,
            kind=kind[0] if kind else "item",
            description=description,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_rate=Decimal(rate),
        )
    return services.invoice_issue(invoice=invoice, actor=owner, today=ISSUED_ON)


def _small_business(owner: Any) -> None:
    """Make ``owner`` a § 19 small business with a tax number and no VAT ID."""
    profile = owner.profile
    profile.vat_id = ""
    profile.is_small_business = True
    profile.save()


def _without_vat_id(owner: Any) -> None:
    profile = owner.profile
    profile.vat_id = ""
    profile.save()


def _eu_business(owner: Any) -> Any:
    return ClientFactory(
        owner=owner,
        name="Dupont SARL",
        street="12 rue de la Paix",
        postal_code="75002",
        city="Paris",
        country="FR",
        vat_id="FR40303265045",
        language="en",
    )


def _us_business(owner: Any) -> Any:
    return ClientFactory(
        owner=owner,
        name="Globex Inc.",
        street="1 Main Street",
        postal_code="10001",
        city="New York",
        country="US",
        language="en",
    )


CASES = {
    "standard 19 %": lambda owner: _issue(owner),
    "mixed 19 % and 7 %": lambda owner: _issue(
        owner,
        lines=(("Design", "10", "95.00", "19.00"), ("Fachbuch", "2", "39.90", "7.00")),
    ),
    "reverse charge, EU business": lambda owner: _issue(
        owner,
        client=_eu_business(owner),
        lines=(("Design", "10", "95.00", "19.00"), ("Fachbuch", "1", "39.90", "7.00")),
    ),
    "outside the EU": lambda owner: _issue(owner, client=_us_business(owner)),
    "outside the EU, seller without VAT ID": lambda owner: (
        _without_vat_id(owner),
        _issue(owner, client=_us_business(owner)),
    )[1],
    "§ 19, tax number only": lambda owner: (
        _small_business(owner),
        _issue(owner, exempt=True),
    )[1],
    "discount line": lambda owner: _issue(
        owner,
        lines=(
            ("Design", "10", "95.00", "19.00"),
            ("Rabatt Stammkunde", "1", "-100.00", "19.00", "discount"),
        ),
    ),
    "goodwill credit, mixed rates": lambda owner: _issue(
        owner,
        lines=(
            ("Design", "10", "95.00", "19.00"),
            ("Fachbuch", "2", "39.90", "7.00"),
            ("Kulanz Verzögerung", "1", "-50.00", "19.00", "goodwill"),
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_invoice_and_its_cancellation_pass_en_16931(alice: Any, case: str) -> None:
    invoice = CASES[case](alice)
    xml = invoice_xml(invoice.snapshot)
    _assert_clean(xml, en16931_report(xml))

    storno = services.invoice_cancel(invoice=invoice, actor=alice, today=ISSUED_ON)
    xml = invoice_xml(storno.snapshot)
    _assert_clean(xml, en16931_report(xml))
    assert _xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["384"]
    assert b">-0.00<" not in xml


def test_a_small_business_with_only_a_tax_number_is_identified_by_it(alice: Any) -> None:
    """BR-CO-26: BT-29 (the tax number) next to the FC registration; BR-E-09 on the storno."""
    _small_business(alice)
    invoice = _issue(alice, exempt=True)
    xml = invoice_xml(invoice.snapshot)
    seller = "//ram:SellerTradeParty"
    assert _xpath(xml, f"{seller}/ram:ID/text()") == ["12/345/67890"]
    assert _xpath(xml, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == ["FC"]
    assert "BR-CO-26" not in en16931_report(xml).rules()

    storno = services.invoice_cancel(invoice=invoice, actor=alice, today=ISSUED_ON)
    assert storno.snapshot["totals"]["vat"] == "0.00"
    xml = invoice_xml(storno.snapshot)
    assert _xpath(xml, "//ram:TaxTotalAmount/text()") == ["0.00"]
    assert not {"BR-E-09", "BR-CO-14"} & en16931_report(xml).rules()


def test_an_old_snapshot_with_negative_zero_is_written_without_the_sign(alice: Any) -> None:
    invoice = _issue(alice)
    data = invoice.snapshot
    data["totals"]["rates"][0]["vat"] = data["totals"]["vat"] = "-0.00"
    xml = invoice_xml(data)
    assert b">-0.00<" not in xml


def test_the_delivery_element_carries_the_delivery_date(alice: Any) -> None:
    """BT-72 in ApplicableHeaderTradeDelivery (never empty: PEPPOL-EN16931-R008), BG-14 too."""
    invoice = _issue(alice)
    xml = invoice_xml(invoice.snapshot)
    delivered = _xpath(
        xml,
        "//ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/"
        "ram:OccurrenceDateTime/udt:DateTimeString/text()",
    )
    assert delivered == [invoice.delivery_to.strftime("%Y%m%d")]
    period = "//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod"
    assert _xpath(xml, f"{period}/ram:StartDateTime/udt:DateTimeString/text()") == [
        invoice.delivery_from.strftime("%Y%m%d")
    ]
    assert "PEPPOL-EN16931-R008" not in en16931_report(xml).rules()


def test_an_invoice_before_the_work_starts_has_a_period_that_ends_after_it_starts(
    alice: Any,
) -> None:
    """BR-29: a project starting after the invoice date bills its planned period."""
    project = ProjectFactory(
        owner=alice,
        client=ClientFactory(owner=alice),
        start_on=ISSUED_ON + datetime.timedelta(days=10),
        deadline_on=ISSUED_ON + datetime.timedelta(days=40),
    )
    invoice = services.invoice_create(project=project, actor=alice, today=ISSUED_ON)
    assert invoice.delivery_to == project.deadline_on
    invoice = services.invoice_issue(invoice=invoice, actor=alice, today=ISSUED_ON)
    xml = invoice_xml(invoice.snapshot)
    _assert_clean(xml, en16931_report(xml))


def test_the_validator_reports_an_empty_delivery_element() -> None:
    """The check the delivery fix is measured by does see an empty element."""
    xml = (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"/>'
    )
    assert "PEPPOL-EN16931-R008" in xrechnung_rules_report(xml).rules()


def test_a_discount_line_keeps_its_price_positive(alice: Any) -> None:
    """BR-27: no negative item price; the discount's quantity carries the sign."""
    invoice = _issue(
        alice,
        lines=(("Design", "10", "95.00", "19.00"), ("Rabatt Stammkunde", "1", "-100.00", "19.00")),
    )
    xml = invoice_xml(invoice.snapshot)
    line = "//ram:IncludedSupplyChainTradeLineItem[2]"
    assert _xpath(xml, f"{line}//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()") == [
        "100.00"
    ]
    assert _xpath(xml, f"{line}//ram:BilledQuantity/text()") == ["-1.0000"]
    assert _xpath(xml, f"{line}//ram:LineTotalAmount/text()") == ["-100.00"]
    assert _xpath(xml, "//ram:GrandTotalAmount/text()") == ["1011.50"]


def test_a_partial_payment_is_the_prepaid_amount_and_the_rest_is_due(alice: Any) -> None:
    """BT-113 / BT-115: a deposit already paid, the rest due (BR-CO-16)."""
    invoice = _issue(alice)
    xml = invoice_xml({**invoice.snapshot, "prepaid": "500.00"})
    _assert_clean(xml, en16931_report(xml))
    assert _xpath(xml, "//ram:TotalPrepaidAmount/text()") == ["500.00"]
    assert _xpath(xml, "//ram:DuePayableAmount/text()") == ["630.50"]


def test_a_partly_paid_invoice_keeps_its_e_invoice(alice: Any) -> None:
    """A payment recorded after issuing changes the status, never the issued document."""
    invoice = _issue(alice)
    before = invoice_xml(invoice.snapshot)
    invoice_record_payment(
        invoice=invoice, amount=Decimal("300.00"), paid_on=ISSUED_ON + datetime.timedelta(days=3)
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID
    xml = invoice_xml(documents.invoice_data(invoice))
    assert xml == before
    _assert_clean(xml, en16931_report(xml))


def test_reverse_charge_names_the_buyer_vat_id_and_category_ae(alice: Any) -> None:
    invoice = _issue(alice, client=_eu_business(alice))
    assert invoice.vat_treatment == Invoice.VatTreatment.REVERSE_CHARGE
    assert invoice.total_vat == Decimal("0.00")
    xml = invoice_xml(invoice.snapshot)
    buyer = "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
    assert _xpath(xml, f"{buyer}/text()") == ["FR40303265045"]
    assert _xpath(xml, f"{buyer}/@schemeID") == ["VA"]
    assert set(_xpath(xml, "//ram:CategoryCode/text()")) == {"AE"}
    assert _xpath(
        xml,
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
        "ram:ExemptionReasonCode/text()",
    ) == ["VATEX-EU-AE"]

    text = "".join(
        page.extract_text()
        for page in pypdf.PdfReader(io.BytesIO(documents.invoice_pdf(invoice))).pages
    )
    assert "Reverse charge" in text
    assert "FR40303265045" in text


def test_the_german_reverse_charge_note_is_on_the_pdf(alice: Any) -> None:
    client = _eu_business(alice)
    client.language = "de"
    client.save()
    invoice = _issue(alice, client=client)
    pdf = documents.invoice_pdf(invoice)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Steuerschuldnerschaft des Leistungsempfängers" in " ".join(text.split())


def test_an_export_outside_the_eu_is_category_g(alice: Any) -> None:
    invoice = _issue(alice, client=_us_business(alice))
    assert invoice.vat_treatment == Invoice.VatTreatment.EXPORT
    xml = invoice_xml(invoice.snapshot)
    assert set(_xpath(xml, "//ram:CategoryCode/text()")) == {"G"}
    assert invoice.total_gross == invoice.total_net


def test_an_export_by_a_seller_without_vat_id_is_not_subject_to_vat(alice: Any) -> None:
    """G needs the seller's VAT ID (BR-G-02): without one the service is O, rate only in the
    breakdown (BR-O-05 on the line, BR-DE-14 in the breakdown)."""
    _without_vat_id(alice)
    invoice = _issue(alice, client=_us_business(alice))
    xml = invoice_xml(invoice.snapshot)
    assert set(_xpath(xml, "//ram:CategoryCode/text()")) == {"O"}
    assert _xpath(xml, "//ram:SpecifiedLineTradeSettlement//ram:RateApplicablePercent") == []


def test_a_german_client_and_a_private_person_pay_german_vat(alice: Any) -> None:
    german = _issue(alice)
    private = _issue(alice, client=ClientFactory(owner=alice, kind="person", country="FR"))
    assert german.vat_treatment == private.vat_treatment == Invoice.VatTreatment.STANDARD
    assert german.total_vat == Decimal("180.50")


def test_the_embedded_factur_x_xml_passes_en_16931(alice: Any) -> None:
    invoice = _issue(alice)
    reader = pypdf.PdfReader(io.BytesIO(documents.invoice_pdf(invoice)))
    xml = reader.attachments["factur-x.xml"][0]
    _assert_clean(xml, en16931_report(xml))


# ---------------------------------------------------------------------------------------------
# § 14 UStG: what must be there before a number is drawn


def test_issuing_needs_the_seller_address_and_a_tax_number(alice: Any) -> None:
    profile = alice.profile
    profile.street = profile.tax_number = profile.vat_id = ""
    profile.save()
    client = ClientFactory(owner=alice)
    project = ProjectFactory(owner=alice, client=client)
    invoice = services.invoice_create(project=project, actor=alice)
    with pytest.raises(services.InvoiceIncomplete) as error:
        services.invoice_issue(invoice=invoice, actor=alice)
    assert [detail.label for detail in error.value.missing] == [
        "your street and number",
        "your tax number or VAT ID",
    ]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number == ""


def test_the_issue_button_says_what_is_missing_and_links_to_the_settings(
    alice: Any, alice_client: Any
) -> None:
    profile = alice.profile
    profile.city = profile.tax_number = profile.vat_id = ""
    profile.save()
    project = ProjectFactory(owner=alice, client=ClientFactory(owner=alice))
    invoice = services.invoice_create(project=project, actor=alice)
    page = alice_client.get(reverse("projects:invoice_detail", args=[invoice.pk]))
    assert b'id="invoice-missing"' in page.content

    response = alice_client.post(reverse("projects:invoice_issue", args=[invoice.pk]), follow=True)
    html = response.content.decode()
    assert "your city" in html
    assert "your tax number or VAT ID" in html
    assert f'href="{reverse("crm:profile")}"' in html
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_reverse_charge_needs_both_vat_ids(alice: Any, alice_client: Any) -> None:
    profile = alice.profile
    profile.vat_id = ""
    profile.save()
    client = _eu_business(alice)
    project = ProjectFactory(owner=alice, client=client)
    invoice = services.invoice_create(project=project, actor=alice)
    client.vat_id = ""
    client.save()
    with pytest.raises(services.InvoiceIncomplete) as error:
        services.invoice_issue(invoice=invoice, actor=alice)
    assert {detail.where for detail in error.value.missing} == {"profile", "client"}
    response = alice_client.post(reverse("projects:invoice_issue", args=[invoice.pk]), follow=True)
    assert f'href="{reverse("clients:edit", args=[client.pk])}"' in response.content.decode()


def test_the_missing_details_are_named_in_german(alice: Any) -> None:
    profile = alice.profile
    profile.street = ""
    profile.save()
    project = ProjectFactory(owner=alice, client=ClientFactory(owner=alice))
    invoice = services.invoice_create(project=project, actor=alice)
    with translation.override("de"), pytest.raises(services.InvoiceIncomplete) as error:
        services.invoice_issue(invoice=invoice, actor=alice)
    assert "Ihre Straße und Hausnummer" in str(error.value)


# ---------------------------------------------------------------------------------------------
# XRechnung


def _public_client(owner: Any) -> Any:
    return ClientFactory(
        owner=owner,
        name="Stadt Musterhausen",
        street="Rathausplatz 1",
        postal_code="12345",
        city="Musterhausen",
        leitweg_id="04011000-12345-03",
    )


def _with_phone(owner: Any) -> None:
    profile = owner.profile
    profile.phone = "+49 30 9876543"
    profile.save()


@pytest.mark.parametrize("case", list(CASES))
def test_every_invoice_and_cancellation_passes_xrechnung(alice: Any, case: str) -> None:
    _with_phone(alice)
    invoice = CASES[case](alice)
    storno = services.invoice_cancel(invoice=invoice, actor=alice, today=ISSUED_ON)
    for issued in (invoice, storno):
        data = {**issued.snapshot, "seller": {**issued.snapshot["seller"], "phone": "+49 30 1"}}
        xml = xrechnung_xml(data, buyer_reference="04011000-12345-03")
        _assert_clean(xml, xrechnung_report(xml))


def test_the_xrechnung_download_passes_the_rules(alice: Any, alice_client: Any) -> None:
    _with_phone(alice)
    invoice = _issue(alice, client=_public_client(alice))
    page = alice_client.get(reverse("projects:invoice_detail", args=[invoice.pk]))
    url = reverse("projects:invoice_xrechnung", args=[invoice.pk])
    assert url.encode() in page.content

    response = alice_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert f"XRechnung-{invoice.number}.xml" in response["Content-Disposition"]
    xml = response.content
    _assert_clean(xml, xrechnung_report(xml))
    assert _xpath(xml, "//ram:BuyerReference/text()") == ["04011000-12345-03"]
    contact = "//ram:SellerTradeParty/ram:DefinedTradeContact"
    assert _xpath(xml, f"{contact}/ram:PersonName/text()") == ["Alice"]
    assert _xpath(xml, f"{contact}//ram:CompleteNumber/text()") == ["+49 30 9876543"]
    assert _xpath(xml, f"{contact}//ram:URIID/text()") == ["alice@example.com"]
    assert _xpath(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == ["58"]


def test_the_xrechnung_needs_a_leitweg_id_and_a_phone(alice: Any, alice_client: Any) -> None:
    invoice = _issue(alice)
    url = reverse("projects:invoice_xrechnung", args=[invoice.pk])
    assert alice_client.get(url).status_code == 404  # no Leitweg-ID

    public = _issue(alice, client=_public_client(alice))
    page = alice_client.get(reverse("projects:invoice_detail", args=[public.pk]))
    assert b'id="xrechnung-needs-phone"' in page.content
    assert (
        alice_client.get(reverse("projects:invoice_xrechnung", args=[public.pk])).status_code == 404
    )
    _with_phone(alice)  # added after issuing: the export takes it from the profile
    assert (
        alice_client.get(reverse("projects:invoice_xrechnung", args=[public.pk])).status_code == 200
    )


def test_another_freelancer_gets_404_for_the_xrechnung(alice: Any, bob_client: Any) -> None:
    _with_phone(alice)
    invoice = _issue(alice, client=_public_client(alice))
    url = reverse("projects:invoice_xrechnung", args=[invoice.pk])
    assert bob_client.get(url).status_code == 404


def test_the_portal_offers_the_xrechnung(alice: Any, anon_client: Any) -> None:
    from portal.services import portal_link_create

    _with_phone(alice)
    invoice = _issue(alice, client=_public_client(alice))
    link = portal_link_create(project=invoice.project, actor=alice)
    page = anon_client.get(reverse("portal:page", args=[link.token]))
    url = reverse("portal:invoice_xrechnung", args=[link.token, invoice.pk])
    assert url.encode() in page.content
    response = anon_client.get(url)
    assert response.status_code == 200
    _assert_clean(response.content, xrechnung_report(response.content))


def test_the_xrechnung_rules_catch_a_plain_en_16931_invoice(alice: Any) -> None:
    """The BR-DE check is no rubber stamp: the Factur-X XML lacks what XRechnung requires."""
    invoice = _issue(alice)
    rules = xrechnung_report(invoice_xml(invoice.snapshot)).rules()
    assert {
        "BR-DE-2",
        "BR-DE-15",
        "BR-DE-21",
        "PEPPOL-EN16931-R001",
    } <= rules


def test_the_xrechnung_rules_catch_a_missing_phone_and_a_bad_iban(alice: Any) -> None:
    invoice = _issue(alice)
    data = {
        **invoice.snapshot,
        "seller": {**invoice.snapshot["seller"], "phone": "", "iban": "DE00370400440532013000"},
    }
    report = xrechnung_report(xrechnung_xml(data, buyer_reference="04011000-12345-03"))
    assert "BR-DE-6" in {finding.rule for finding in report.errors}
    assert "BR-DE-19" in {finding.rule for finding in report.warnings}


def test_the_freelancer_can_change_the_suggested_vat_treatment(
    alice: Any, alice_client: Any
) -> None:
    project = ProjectFactory(owner=alice, client=ClientFactory(owner=alice))
    invoice = services.invoice_create(project=project, actor=alice, today=ISSUED_ON)
    page = alice_client.get(reverse("projects:invoice_edit", args=[invoice.pk]))
    assert b'name="vat_treatment"' in page.content
    form = InvoiceForm(
        {
            "issued_on": "",
            "delivery_from": "2026-11-02",
            "delivery_to": "2026-11-30",
            "due_on": "",
            "vat_treatment": "export",
            "notes": "",
        },
        instance=invoice,
    )
    assert form.is_valid(), form.errors
    services.invoice_update(invoice=invoice, fields=form.cleaned_data, lines=[], actor=alice)
    invoice.refresh_from_db()
    assert invoice.vat_treatment == Invoice.VatTreatment.EXPORT


def _remove(path: str) -> Any:
    def mutate(root: Any) -> None:
        for node in root.xpath(path, namespaces=NSMAP):
            node.getparent().remove(node)

    return mutate


def _set(path: str, value: str) -> Any:
    def mutate(root: Any) -> None:
        for node in root.xpath(path, namespaces=NSMAP):
            node.text = value

    return mutate


def _add_mandate(root: Any) -> None:
    terms = root.xpath("//ram:SpecifiedTradePaymentTerms", namespaces=NSMAP)[0]
    etree.SubElement(terms, f"{{{NSMAP['ram']}}}DirectDebitMandateID").text = "M-1"


def _add_bad_skonto(root: Any) -> None:
    terms = root.xpath("//ram:SpecifiedTradePaymentTerms", namespaces=NSMAP)[0]
    terms[0].text = "#SKONTO#TAGE=7#PROZENT=2#\n"


SELLER = "//ram:SellerTradeParty"
CONTACT = f"{SELLER}/ram:DefinedTradeContact"
BUYER = "//ram:BuyerTradeParty"
BREAKS = {
    "BR-DE-1": _remove("//ram:SpecifiedTradeSettlementPaymentMeans"),
    "BR-DE-2": _remove(CONTACT),
    "BR-DE-3": _remove(f"{SELLER}/ram:PostalTradeAddress/ram:CityName"),
    "BR-DE-4": _remove(f"{SELLER}/ram:PostalTradeAddress/ram:PostcodeCode"),
    "BR-DE-5": _remove(f"{CONTACT}/ram:PersonName"),
    "BR-DE-6": _remove(f"{CONTACT}/ram:TelephoneUniversalCommunication"),
    "BR-DE-7": _remove(f"{CONTACT}/ram:EmailURIUniversalCommunication"),
    "BR-DE-8": _remove(f"{BUYER}/ram:PostalTradeAddress/ram:CityName"),
    "BR-DE-9": _remove(f"{BUYER}/ram:PostalTradeAddress/ram:PostcodeCode"),
    "BR-DE-14": _remove(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent"
    ),
    "BR-DE-15": _remove("//ram:BuyerReference"),
    "BR-DE-16": _remove(f"{SELLER}/ram:SpecifiedTaxRegistration"),
    "BR-DE-17": _set("//rsm:ExchangedDocument/ram:TypeCode", "393"),
    "BR-DE-18": _add_bad_skonto,
    "BR-DE-21": _set("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "urn:x"),
    "BR-DE-23-a": _remove("//ram:PayeePartyCreditorFinancialAccount"),
    "BR-DE-23-b": _add_mandate,
    "BR-DE-26": _set("//rsm:ExchangedDocument/ram:TypeCode", "384"),
    "BR-DE-27": _set(f"{CONTACT}//ram:CompleteNumber", "ab"),
    "BR-DE-28": _set(f"{CONTACT}//ram:URIID", "alice@@example"),
    "BR-DE-30": _add_mandate,
    "PEPPOL-EN16931-R001": _remove("//ram:BusinessProcessSpecifiedDocumentContextParameter"),
    "PEPPOL-EN16931-R010": _remove(f"{BUYER}/ram:URIUniversalCommunication"),
    "PEPPOL-EN16931-R020": _remove(f"{SELLER}/ram:URIUniversalCommunication"),
}


SAMPLE = {
    "kind": "invoice",
    "number": "2026-0001",
    "issued_on": "2026-12-01",
    "delivery_from": "2026-11-02",
    "delivery_to": "2026-11-30",
    "due_on": "2026-12-15",
    "currency": "EUR",
    "is_vat_exempt": False,
    "vat_treatment": "standard",
    "notes": "",
    "seller": {
        "name": "Alice",
        "business_name": "Alice Design",
        "street": "Hauptstraße 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "Deutschland",
        "email": "alice@example.com",
        "phone": "+49 30 9876543",
        "tax_number": "12/345/67890",
        "vat_id": "DE123456789",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
    },
    "buyer": {
        "name": "Stadt Musterhausen",
        "street": "Rathausplatz 1",
        "postal_code": "12345",
        "city": "Musterhausen",
        "country": "Deutschland",
        "email": "rechnung@musterhausen.example",
        "vat_id": "",
        "language": "de",
    },
    "lines": [
        {
            "description": "Design",
            "quantity": "10",
            "unit": "Std.",
            "unit_price": "95.00",
            "vat_rate": "19.00",
            "net": "950.00",
        }
    ],
    "totals": {
        "rates": [{"rate": "19.00", "net": "950.00", "vat": "180.50"}],
        "net": "950.00",
        "vat": "180.50",
        "gross": "1130.50",
    },
}


@pytest.mark.parametrize("rule", list(BREAKS))
def test_each_xrechnung_rule_catches_its_fault(rule: str) -> None:
    """Each BR-DE check reports the rule when the XML breaks it (and not before)."""
    xml = xrechnung_xml(SAMPLE, buyer_reference="04011000-12345-03")
    assert rule not in xrechnung_rules_report(xml).rules()
    root = etree.fromstring(xml)
    BREAKS[rule](root)
    assert rule in xrechnung_rules_report(etree.tostring(root)).rules()


def test_the_check_command_reports_every_issued_invoice(alice: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    _with_phone(alice)
    _issue(alice, client=_public_client(alice))
    _issue(alice)
    out = StringIO()
    call_command("einvoice_check", "--user", "alice", "--xrechnung", stdout=out)
    assert out.getvalue().strip() == "2 invoices checked, 0 with errors."


def test_the_check_command_fails_on_a_broken_invoice(alice: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    invoice = _issue(alice)
    snapshot = invoice.snapshot
    snapshot["totals"]["gross"] = "1.00"  # BR-CO-15: gross = net + VAT
    Invoice.objects.filter(pk=invoice.pk).update(snapshot=snapshot)
    with pytest.raises(CommandError):
        call_command("einvoice_check", stdout=io.StringIO())
