"""The CII XML (UN/CEFACT Cross Industry Invoice) of an invoice snapshot, in two flavours.

``invoice_xml`` writes the EN 16931 profile that Factur-X / ZUGFeRD embeds in the PDF;
``xrechnung_xml`` writes the same invoice under the XRechnung 3.0 CIUS (German public sector and
many large buyers): buyer reference (Leitweg-ID, BT-10), business process (BT-23), seller
contact (BG-6) and payment instructions (BG-16) always present.

Both read the invoice's frozen snapshot (``documents.invoice_snapshot``), so the XML and the PDF
can never disagree. Beyond the snapshot the builder understands two optional inputs: ``prepaid``
(an amount already paid, BT-113) and lines with a negative unit price (a discount line: written
as a negative quantity at a positive price, since EN 16931 forbids negative prices, BR-27).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from .codes import (
    EXPORT,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    SMALL_BUSINESS,
    VatTreatment,
    party_country,
    unit_code,
)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
XRECHNUNG_VERSION = "3.0"
# BT-23: the business process XRechnung expects (PEPPOL-EN16931-R001), billing in general.
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SMALL_BUSINESS_NOTE = "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."
REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, § 13b UStG)."


def decimal(value: Any) -> Decimal:
    """Return ``value`` as a Decimal without a sign on zero (``-0.00`` fails BR-E-09/BR-CO-14)."""
    number = Decimal(str(value))
    return number.copy_abs() if number.is_zero() else number


def _amount(value: Any) -> str:
    return f"{decimal(value).quantize(Decimal('0.01')):f}"


def _quantity(value: Any) -> str:
    return f"{decimal(value).quantize(Decimal('0.0001')):f}"


def _rate(value: Any) -> str:
    return f"{decimal(value).quantize(Decimal('0.01')):f}"


def _date(value: str) -> str:
    return datetime.date.fromisoformat(value).strftime("%Y%m%d")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _text(parent: etree._Element, tag: str, value: str | None, **attrs: str) -> None:
    """Write ``tag`` only when ``value`` has text: an empty element breaks PEPPOL-EN16931-R008."""
    if value and value.strip():
        _el(parent, tag, value.strip(), **attrs)


def _date_el(parent: etree._Element, tag: str, value: str, *, qualified: bool = False) -> None:
    holder = _el(parent, tag)
    _el(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        _date(value),
        format="102",
    )


def _category(data: dict[str, Any], rate: Any) -> tuple[str, str, str]:
    """Return the VAT category code, exemption reason code and text for a rate on this invoice."""
    if data["is_vat_exempt"]:
        return SMALL_BUSINESS
    treatment = data.get("vat_treatment") or VatTreatment.STANDARD
    if treatment == VatTreatment.REVERSE_CHARGE:
        return REVERSE_CHARGE
    if treatment == VatTreatment.EXPORT:
        # G needs the seller's VAT ID (BR-G-02); a seller without one is "not subject" (O).
        return EXPORT if data["seller"].get("vat_id") else NOT_SUBJECT
    return ("S", "", "") if decimal(rate) > 0 else ("Z", "", "")


def _is_zero_rated(data: dict[str, Any]) -> bool:
    return _category(data, "0")[0] not in {"S", "Z"}


def _tax(
    parent: etree._Element,
    data: dict[str, Any],
    *,
    rate: Any,
    basis: Any = None,
    amount: Any = None,
) -> None:
    category, reason_code, reason = _category(data, rate)
    rate = Decimal(0) if _is_zero_rated(data) else rate
    header = basis is not None
    tax = _el(parent, "ram:ApplicableTradeTax")
    if header:
        _el(tax, "ram:CalculatedAmount", _amount(amount))
    _el(tax, "ram:TypeCode", "VAT")
    if header:
        _text(tax, "ram:ExemptionReason", reason)
        _el(tax, "ram:BasisAmount", _amount(basis))
    _el(tax, "ram:CategoryCode", category)
    if header:
        _text(tax, "ram:ExemptionReasonCode", reason_code)
    # O ("not subject to VAT") carries no rate on a line (BR-O-05); the breakdown keeps 0 %,
    # which XRechnung requires (BR-DE-14).
    if category != "O" or header:
        _el(tax, "ram:RateApplicablePercent", _rate(rate))


def _party(
    parent: etree._Element,
    tag: str,
    party: dict[str, Any],
    *,
    seller: bool,
    contact: bool,
    home: str = "",
) -> None:
    node = _el(parent, tag)
    if seller and not party.get("vat_id"):
        # BR-CO-26: a seller needs BT-29, BT-30 or BT-31; one with only a tax number (often a
        # § 19 small business) is identified by it (BT-29), next to its registration (BT-32).
        _text(node, "ram:ID", party.get("tax_number"))
    name = (party.get("business_name") or party["name"]) if seller else party["name"]
    _el(node, "ram:Name", name)
    if contact:
        person = _el(node, "ram:DefinedTradeContact")
        _el(person, "ram:PersonName", party["name"])
        if party.get("phone", "").strip():
            phone = _el(person, "ram:TelephoneUniversalCommunication")
            _el(phone, "ram:CompleteNumber", party["phone"].strip())
        if party.get("email", "").strip():
            email = _el(person, "ram:EmailURIUniversalCommunication")
            _el(email, "ram:URIID", party["email"].strip())
    address = _el(node, "ram:PostalTradeAddress")
    _text(address, "ram:PostcodeCode", party.get("postal_code"))
    _text(address, "ram:LineOne", party.get("street"))
    _text(address, "ram:CityName", party.get("city"))
    _el(address, "ram:CountryID", party_country(party, home=home))
    if party.get("email", "").strip():
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party["email"].strip(), schemeID="EM")
    elif party.get("leitweg_id", "").strip():
        # A public buyer is reached by its Leitweg-ID (EAS 0204) when it has no e-mail.
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party["leitweg_id"].strip(), schemeID="0204")
    if party.get("vat_id", "").strip():
        registration = _el(node, "ram:SpecifiedTaxRegistration")
        _el(registration, "ram:ID", party["vat_id"].replace(" ", ""), schemeID="VA")
    if seller and party.get("tax_number", "").strip():
        registration = _el(node, "ram:SpecifiedTaxRegistration")
        _el(registration, "ram:ID", party["tax_number"].strip(), schemeID="FC")


def _line(transaction: etree._Element, data: dict[str, Any], index: int, line: dict) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    line_document = _el(item, "ram:AssociatedDocumentLineDocument")
    _el(line_document, "ram:LineID", str(index))
    product = _el(item, "ram:SpecifiedTradeProduct")
    _el(product, "ram:Name", line["description"])
    price, quantity = decimal(line["unit_price"]), decimal(line["quantity"])
    if price < 0:
        # A discount line: the price stays positive (BR-27), the quantity carries the sign.
        price, quantity = -price, -quantity
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    net_price = _el(agreement, "ram:NetPriceProductTradePrice")
    _el(net_price, "ram:ChargeAmount", _amount(price))
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", _quantity(quantity), unitCode=unit_code(line["unit"]))
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, data, rate=line["vat_rate"])
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line["net"]))


def _payment_means(settlement: etree._Element, seller: dict[str, Any], *, required: bool) -> None:
    iban = (seller.get("iban") or "").replace(" ", "")
    if not iban and not required:
        return
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    if not iban:
        _el(means, "ram:TypeCode", "1")  # instrument not defined: XRechnung still needs BG-16
        return
    _el(means, "ram:TypeCode", "58")  # SEPA credit transfer
    account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
    _el(account, "ram:IBANID", iban)
    _text(account, "ram:AccountName", seller.get("business_name") or seller.get("name"))
    if seller.get("bic", "").strip():
        bank = _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
        _el(bank, "ram:BICID", seller["bic"].strip())


def _header(root: etree._Element, data: dict[str, Any], *, xrechnung: bool) -> None:
    """Write the document context (profile, XRechnung's business process) and the document:
    number, type code, issue date and notes (the VAT exemption's note first)."""
    context = _el(root, "rsm:ExchangedDocumentContext")
    if xrechnung:
        process = _el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
        _el(process, "ram:ID", BILLING_PROCESS)
    guideline = _el(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram:ID", XRECHNUNG if xrechnung else EN16931)

    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", data["number"])
    # 380 commercial invoice; 384 corrected invoice for a cancellation (negative amounts).
    _el(document, "ram:TypeCode", "384" if data["kind"] == "cancellation" else "380")
    _date_el(document, "ram:IssueDateTime", data["issued_on"])
    notes = [data.get("notes", "")]
    if data["is_vat_exempt"]:
        notes.insert(0, SMALL_BUSINESS_NOTE)
    elif data.get("vat_treatment") == VatTreatment.REVERSE_CHARGE:
        notes.insert(0, REVERSE_CHARGE_NOTE)
    for text in notes:
        if text.strip():
            note = _el(document, "ram:IncludedNote")
            _el(note, "ram:Content", text.strip())


def _settlement(transaction: etree._Element, data: dict[str, Any], *, xrechnung: bool) -> None:
    """Write the settlement: payment reference and means, VAT per rate, billing period, payment
    terms, totals and the reference to the invoice a cancellation cancels."""
    currency = data["currency"]
    totals = data["totals"]
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:PaymentReference", data["number"])
    _el(settlement, "ram:InvoiceCurrencyCode", currency)
    _payment_means(settlement, data["seller"], required=xrechnung)
    for group in totals["rates"]:
        _tax(settlement, data, rate=group["rate"], basis=group["net"], amount=group["vat"])
    if data.get("delivery_from"):
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date_el(period, "ram:StartDateTime", data["delivery_from"])
        _date_el(period, "ram:EndDateTime", data.get("delivery_to") or data["delivery_from"])
    gross = decimal(totals["gross"])
    prepaid = decimal(data.get("prepaid") or 0)
    due = gross - prepaid
    if data.get("due_on") and due > 0:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        if xrechnung:
            due_on = datetime.date.fromisoformat(data["due_on"]).strftime("%d.%m.%Y")
            _el(terms, "ram:Description", f"Zahlbar bis {due_on} ohne Abzug.")
        _date_el(terms, "ram:DueDateDateTime", data["due_on"])
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(totals["net"]))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(totals["net"]))
    _el(summation, "ram:TaxTotalAmount", _amount(totals["vat"]), currencyID=currency)
    _el(summation, "ram:GrandTotalAmount", _amount(gross))
    if prepaid:
        _el(summation, "ram:TotalPrepaidAmount", _amount(prepaid))
    _el(summation, "ram:DuePayableAmount", _amount(due))
    if data.get("cancels_number"):
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", data["cancels_number"])
        if data.get("cancels_issued_on"):
            _date_el(
                reference, "ram:FormattedIssueDateTime", data["cancels_issued_on"], qualified=True
            )


def _build(data: dict[str, Any], *, xrechnung: bool, buyer_reference: str = "") -> bytes:
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    _header(root, data, xrechnung=xrechnung)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(data["lines"], start=1):
        _line(transaction, data, index, line)

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _text(agreement, "ram:BuyerReference", buyer_reference)
    _party(agreement, "ram:SellerTradeParty", data["seller"], seller=True, contact=xrechnung)
    home = party_country(data["seller"], home="")
    _party(agreement, "ram:BuyerTradeParty", data["buyer"], seller=False, contact=False, home=home)

    # BT-72: the date the service was delivered (the end of the delivery period).
    delivered_on = data.get("delivery_to") or data.get("delivery_from") or data["issued_on"]
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date_el(event, "ram:OccurrenceDateTime", delivered_on)

    _settlement(transaction, data, xrechnung=xrechnung)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def invoice_xml(data: dict[str, Any]) -> bytes:
    """Return the EN 16931 CII XML (Factur-X profile EN 16931) for an invoice snapshot."""
    return _build(data, xrechnung=False)


def xrechnung_xml(data: dict[str, Any], *, buyer_reference: str) -> bytes:
    """Return the XRechnung 3.0 CII XML for an invoice snapshot.

    ``buyer_reference`` (BT-10, required by BR-DE-15) is the client's Leitweg-ID, or whatever
    reference a private buyer asked to be quoted.
    """
    if not buyer_reference.strip():
        raise ValueError("XRechnung needs a buyer reference (Leitweg-ID, BT-10).")
    return _build(data, xrechnung=True, buyer_reference=buyer_reference)
