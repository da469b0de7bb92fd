"""The invoice as an e-invoice: Factur-X / ZUGFeRD (EN 16931 profile, CII syntax) hybrid PDF.

The XML is built from the invoice's frozen snapshot (the same data the PDF shows), so the two
halves of the hybrid can never disagree. ``facturx`` embeds it as ``factur-x.xml`` into the
WeasyPrint PDF/A-3 and writes the XMP metadata; it checks the XML against the XSD on the way.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from facturx import generate_from_binary
from lxml import etree

from crm.countries import country_code

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"

# UN/ECE Recommendation 20 unit codes for the units freelancers write.
UNIT_CODES = {
    "std": "HUR",
    "std.": "HUR",
    "h": "HUR",
    "stunde": "HUR",
    "stunden": "HUR",
    "hour": "HUR",
    "hours": "HUR",
    "tag": "DAY",
    "tage": "DAY",
    "day": "DAY",
    "days": "DAY",
    "monat": "MON",
    "month": "MON",
    "pauschal": "LS",
    "pausch.": "LS",
    "flat": "LS",
    "lump sum": "LS",
}
EXEMPTION_REASON = "Kleinunternehmer gemäß § 19 UStG"


def unit_code(unit: str) -> str:
    """Return the UN/ECE unit code for a unit as typed (default C62, "one")."""
    return UNIT_CODES.get(unit.strip().lower(), "C62")


def _country(party: dict[str, Any], *, home: str) -> str:
    """Return the party's ISO 3166 code (snapshots hold codes; older ones names, recognised by
    crm.countries). No country means domestic (``home``); an unrecognised one is never guessed."""
    typed = (party.get("country") or "").strip()
    code = country_code(typed) if typed else home
    if not code:
        raise ValueError(f"No ISO 3166 country for {party.get('name')!r}: {typed!r}")
    return code


def _amount(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"


def _quantity(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.0001')):f}"


def _rate(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"


def _date(value: str) -> str:
    return datetime.date.fromisoformat(value).strftime("%Y%m%d")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _date_el(parent: etree._Element, tag: str, value: str, *, qualified: bool = False) -> None:
    holder = _el(parent, tag)
    _el(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        _date(value),
        format="102",
    )


def _party(
    parent: etree._Element, tag: str, party: dict[str, Any], *, seller: bool, home: str = ""
) -> None:
    node = _el(parent, tag)
    name = party.get("business_name") or party["name"] if seller else party["name"]
    _el(node, "ram:Name", name)
    address = _el(node, "ram:PostalTradeAddress")
    if party.get("postal_code"):
        _el(address, "ram:PostcodeCode", party["postal_code"])
    if party.get("street"):
        _el(address, "ram:LineOne", party["street"])
    if party.get("city"):
        _el(address, "ram:CityName", party["city"])
    _el(address, "ram:CountryID", _country(party, home=home))
    if party.get("email"):
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party["email"], schemeID="EM")
    if seller:
        if party.get("vat_id"):
            registration = _el(node, "ram:SpecifiedTaxRegistration")
            _el(registration, "ram:ID", party["vat_id"], schemeID="VA")
        if party.get("tax_number"):
            registration = _el(node, "ram:SpecifiedTaxRegistration")
            _el(registration, "ram:ID", party["tax_number"], schemeID="FC")


def _tax(
    parent: etree._Element,
    *,
    exempt: bool,
    rate: str,
    basis: str | None = None,
    amount: str | None = None,
) -> None:
    tax = _el(parent, "ram:ApplicableTradeTax")
    if amount is not None:
        _el(tax, "ram:CalculatedAmount", amount)
    _el(tax, "ram:TypeCode", "VAT")
    if exempt and basis is not None:
        _el(tax, "ram:ExemptionReason", EXEMPTION_REASON)
    if basis is not None:
        _el(tax, "ram:BasisAmount", basis)
    category = "E" if exempt else ("S" if Decimal(rate) > 0 else "Z")
    _el(tax, "ram:CategoryCode", category)
    _el(tax, "ram:RateApplicablePercent", _rate(rate))


def invoice_xml(data: dict[str, Any]) -> bytes:
    """Return the EN 16931 CII XML for an invoice snapshot (see documents.invoice_snapshot)."""
    exempt = bool(data["is_vat_exempt"])
    currency = data["currency"]
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    guideline = _el(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram:ID", EN16931)

    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", data["number"])
    # 380 commercial invoice; 384 corrected invoice for a cancellation (negative amounts).
    _el(document, "ram:TypeCode", "384" if data["kind"] == "cancellation" else "380")
    _date_el(document, "ram:IssueDateTime", data["issued_on"])
    if exempt:
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.")
    if data.get("notes"):
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", data["notes"])

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(data["lines"], start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        line_document = _el(item, "ram:AssociatedDocumentLineDocument")
        _el(line_document, "ram:LineID", str(index))
        product = _el(item, "ram:SpecifiedTradeProduct")
        _el(product, "ram:Name", line["description"])
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        unit_price, quantity = Decimal(line["unit_price"]), Decimal(line["quantity"])
        if unit_price < 0:
            # A discount or goodwill line: EN 16931 forbids a negative price (BR-27), so the
            # price stays positive and the quantity carries the sign (the line total is equal).
            unit_price, quantity = -unit_price, -quantity
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", _amount(unit_price))
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", _quantity(quantity), unitCode=unit_code(line["unit"]))
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        _tax(settlement, exempt=exempt, rate="0" if exempt else line["vat_rate"])
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(line["net"]))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", data["seller"], seller=True)
    _party(
        agreement,
        "ram:BuyerTradeParty",
        data["buyer"],
        seller=False,
        home=_country(data["seller"], home=""),
    )
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:PaymentReference", data["number"])
    _el(settlement, "ram:InvoiceCurrencyCode", currency)
    if data["seller"].get("iban"):
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")  # SEPA credit transfer
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", data["seller"]["iban"].replace(" ", ""))
    totals = data["totals"]
    for group in totals["rates"]:
        _tax(
            settlement,
            exempt=exempt,
            rate=group["rate"],
            basis=_amount(group["net"]),
            amount=_amount(group["vat"]),
        )
    if data.get("delivery_from"):
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date_el(period, "ram:StartDateTime", data["delivery_from"])
        _date_el(period, "ram:EndDateTime", data.get("delivery_to") or data["delivery_from"])
    if data.get("due_on") and data["kind"] != "cancellation":
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date_el(terms, "ram:DueDateDateTime", data["due_on"])
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(totals["net"]))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(totals["net"]))
    _el(summation, "ram:TaxTotalAmount", _amount(totals["vat"]), currencyID=currency)
    _el(summation, "ram:GrandTotalAmount", _amount(totals["gross"]))
    _el(summation, "ram:DuePayableAmount", _amount(totals["gross"]))
    if data.get("cancels_number"):
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", data["cancels_number"])
        if data.get("cancels_issued_on"):
            _date_el(
                reference, "ram:FormattedIssueDateTime", data["cancels_issued_on"], qualified=True
            )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def facturx_pdf(pdf: bytes, xml: bytes, data: dict[str, Any]) -> bytes:
    """Return the PDF/A-3 with ``factur-x.xml`` embedded (checked against the XSD first)."""
    seller = data["seller"].get("business_name") or data["seller"]["name"]
    return generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": seller,
            "keywords": "Factur-X, ZUGFeRD, Invoice",
            "title": f"{seller}: {data['number']}",
            "subject": f"Invoice {data['number']} dated {data['issued_on']} issued by {seller}",
        },
        lang="de-DE" if data["buyer"]["language"] == "de" else "en-GB",
    )
