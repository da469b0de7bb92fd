"""The XRechnung 3.0 rules on CII: the CIUS rules (BR-DE-1 ... BR-DE-31) and the PEPPOL rules
the KoSIT configuration runs, written from the published rules of the XRechnung schematron 2.x
(``XRechnung-CII-validation.sch``). ``validation.xrechnung_rules_report`` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from .builder import NSMAP, XRECHNUNG

TRANSACTION = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
AGREEMENT = f"{TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
SETTLEMENT = f"{TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
SELLER = f"{AGREEMENT}/ram:SellerTradeParty"
CONTACT = f"{SELLER}/ram:DefinedTradeContact"
MEANS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
DIRECT_DEBIT = (
    f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID",
    f"{SETTLEMENT}/ram:CreditorReferenceID",
    f"{MEANS}/ram:PayerPartyDebtorFinancialAccount/ram:IBANID",
)
SKONTO = re.compile(
    r"#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$"
)
EMAIL = re.compile(
    r"^[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+(\.[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+)*"
    r"@([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"
)
INVOICE_TYPES = {"326", "380", "384", "389", "381", "875", "876", "877"}
TAXED_CATEGORIES = {"S", "Z", "E", "AE", "K", "G", "L", "M"}


def _x(node: etree._Element, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)


def _has_text(node: etree._Element, path: str) -> bool:
    return any(str(value).strip() for value in _x(node, f"{path}/text()"))


def _text_of(node: etree._Element, path: str) -> str:
    values = _x(node, f"{path}/text()")
    return " ".join(str(values[0]).split()) if values else ""


def _iban_ok(value: str) -> bool:
    iban = re.sub(r"\s", "", value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}", iban):
        return False
    digits = "".join(str(int(char, 36)) for char in (iban[4:] + iban[:4]).upper())
    return int(digits) % 97 == 1


def _means_ok(root: etree._Element, codes: set[str], test: Callable) -> bool:
    return all(test(means) for means in _x(root, MEANS) if _text_of(means, "ram:TypeCode") in codes)


def _br_de_16(root: etree._Element) -> bool:
    categories = {str(code).strip() for code in _x(root, "//ram:CategoryCode/text()")}
    if not categories & TAXED_CATEGORIES:
        return True
    registrations = _x(
        root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA' or @schemeID='FC']"
    )
    return any((node.text or "").strip() for node in registrations) or bool(
        _x(root, f"{AGREEMENT}/ram:SellerTaxRepresentativeTradeParty")
    )


def _br_de_18(root: etree._Element) -> bool:
    terms = _x(root, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description/text()")
    lines = str(terms[0]).splitlines() if terms else []
    return all(SKONTO.match(line.strip()) for line in lines if line.strip().startswith("#"))


def _br_de_22(root: etree._Element) -> bool:
    names = _x(root, "//ram:AdditionalReferencedDocument/ram:AttachmentBinaryObject/@filename")
    return len(names) == len(set(names))


def _direct_debit(root: etree._Element) -> list[bool]:
    return [bool(_x(root, path)) for path in DIRECT_DEBIT]


def _bg19_complete(root: etree._Element, needed: int) -> bool:
    present = _direct_debit(root)
    return not any(present) or (
        present[needed] and any(p for i, p in enumerate(present) if i != needed)
    )


def _card_or_debit(means: etree._Element) -> bool:
    return bool(
        _x(means, "ram:ApplicableTradeSettlementFinancialCard")
        or any(_direct_debit(means.getroottree().getroot()))
    )


# (rule, fatal?, message, check): each check returns True when the invoice keeps the rule.
XRECHNUNG_RULES: list[tuple[str, bool, str, Callable[[etree._Element], bool]]] = [
    ("BR-DE-1", True, "PAYMENT INSTRUCTIONS (BG-16) must be given.", lambda r: bool(_x(r, MEANS))),
    (
        "BR-DE-2",
        True,
        "SELLER CONTACT (BG-6) must be given.",
        lambda r: all(_x(s, "ram:DefinedTradeContact") for s in _x(r, SELLER)),
    ),
    (
        "BR-DE-3",
        True,
        "Seller city (BT-37) must be given.",
        lambda r: _has_text(r, f"{SELLER}/ram:PostalTradeAddress/ram:CityName"),
    ),
    (
        "BR-DE-4",
        True,
        "Seller post code (BT-38) must be given.",
        lambda r: _has_text(r, f"{SELLER}/ram:PostalTradeAddress/ram:PostcodeCode"),
    ),
    (
        "BR-DE-5",
        True,
        "Seller contact point (BT-41) must be given.",
        lambda r: (
            not _x(r, CONTACT)
            or _has_text(r, f"{CONTACT}/ram:PersonName")
            or _has_text(r, f"{CONTACT}/ram:DepartmentName")
        ),
    ),
    (
        "BR-DE-6",
        True,
        "Seller contact telephone number (BT-42) must be given.",
        lambda r: (
            not _x(r, CONTACT)
            or _has_text(r, f"{CONTACT}/ram:TelephoneUniversalCommunication/ram:CompleteNumber")
        ),
    ),
    (
        "BR-DE-7",
        True,
        "Seller contact email address (BT-43) must be given.",
        lambda r: (
            not _x(r, CONTACT)
            or _has_text(r, f"{CONTACT}/ram:EmailURIUniversalCommunication/ram:URIID")
        ),
    ),
    (
        "BR-DE-8",
        True,
        "Buyer city (BT-52) must be given.",
        lambda r: _has_text(
            r, f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName"
        ),
    ),
    (
        "BR-DE-9",
        True,
        "Buyer post code (BT-53) must be given.",
        lambda r: _has_text(
            r, f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode"
        ),
    ),
    (
        "BR-DE-10",
        True,
        "Deliver to city (BT-77) must be given with a DELIVER TO ADDRESS (BG-15).",
        lambda r: all(
            _has_text(a, "ram:CityName")
            for a in _x(
                r,
                f"{TRANSACTION}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress",
            )
        ),
    ),
    (
        "BR-DE-11",
        True,
        "Deliver to post code (BT-78) must be given with a DELIVER TO ADDRESS (BG-15).",
        lambda r: all(
            _has_text(a, "ram:PostcodeCode")
            for a in _x(
                r,
                f"{TRANSACTION}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress",
            )
        ),
    ),
    (
        "BR-DE-14",
        True,
        "VAT category rate (BT-119) must be given.",
        lambda r: all(
            _has_text(t, "ram:RateApplicablePercent")
            for t in _x(r, f"{SETTLEMENT}/ram:ApplicableTradeTax")
        ),
    ),
    (
        "BR-DE-15",
        True,
        "Buyer reference (BT-10) must be given.",
        lambda r: _has_text(r, f"{AGREEMENT}/ram:BuyerReference"),
    ),
    (
        "BR-DE-16",
        True,
        "With VAT categories S, Z, E, AE, K, G, L or M the seller's VAT ID (BT-31), "
        "tax number (BT-32) or tax representative (BG-11) must be given.",
        _br_de_16,
    ),
    (
        "BR-DE-17",
        False,
        "Invoice type code (BT-3) should be 326, 380, 384, 389, 381, 875, 876 or 877.",
        lambda r: (
            _text_of(r, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode")
            in INVOICE_TYPES
        ),
    ),
    (
        "BR-DE-18",
        True,
        "Cash discount lines in the payment terms (BT-20) must follow "
        "#SKONTO#TAGE=n#PROZENT=n.nn#.",
        _br_de_18,
    ),
    (
        "BR-DE-19",
        False,
        "Payment account identifier (BT-84) should be a valid IBAN with SEPA credit transfer (58).",
        lambda r: _means_ok(
            r,
            {"58"},
            lambda m: _iban_ok(_text_of(m, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")),
        ),
    ),
    (
        "BR-DE-20",
        False,
        "Debited account identifier (BT-91) should be a valid IBAN with SEPA direct debit (59).",
        lambda r: _means_ok(
            r,
            {"59"},
            lambda m: _iban_ok(_text_of(m, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")),
        ),
    ),
    (
        "BR-DE-21",
        False,
        "Specification identifier (BT-24) should be the XRechnung identifier.",
        lambda r: _text_of(
            r,
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
            "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ).startswith(XRECHNUNG),
    ),
    ("BR-DE-22", True, "The file names of attached documents (BG-24) must be unique.", _br_de_22),
    (
        "BR-DE-23-a",
        True,
        "With credit transfer (30, 58) CREDIT TRANSFER (BG-17) must be given.",
        lambda r: _means_ok(
            r, {"30", "58"}, lambda m: bool(_x(m, "ram:PayeePartyCreditorFinancialAccount"))
        ),
    ),
    (
        "BR-DE-23-b",
        True,
        "With credit transfer (30, 58) no card (BG-18) or direct debit (BG-19).",
        lambda r: _means_ok(r, {"30", "58"}, lambda m: not _card_or_debit(m)),
    ),
    (
        "BR-DE-24-a",
        True,
        "With card payment (48, 54, 55) PAYMENT CARD (BG-18) must be given.",
        lambda r: _means_ok(
            r,
            {"48", "54", "55"},
            lambda m: bool(_x(m, "ram:ApplicableTradeSettlementFinancialCard")),
        ),
    ),
    (
        "BR-DE-24-b",
        True,
        "With card payment no credit transfer (BG-17) or direct debit (BG-19).",
        lambda r: _means_ok(
            r,
            {"48", "54", "55"},
            lambda m: (
                not (_x(m, "ram:PayeePartyCreditorFinancialAccount") or any(_direct_debit(r)))
            ),
        ),
    ),
    (
        "BR-DE-25-a",
        True,
        "With direct debit (59) DIRECT DEBIT (BG-19) must be given.",
        lambda r: _means_ok(r, {"59"}, lambda m: any(_direct_debit(r))),
    ),
    (
        "BR-DE-25-b",
        True,
        "With direct debit (59) no credit transfer (BG-17) or card (BG-18).",
        lambda r: _means_ok(
            r,
            {"59"},
            lambda m: (
                not (
                    _x(m, "ram:PayeePartyCreditorFinancialAccount")
                    or _x(m, "ram:ApplicableTradeSettlementFinancialCard")
                )
            ),
        ),
    ),
    (
        "BR-DE-26",
        False,
        "A corrected invoice (384) should name the preceding invoice (BG-3).",
        lambda r: (
            _text_of(r, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode") != "384"
            or bool(_x(r, f"{SETTLEMENT}/ram:InvoiceReferencedDocument"))
        ),
    ),
    (
        "BR-DE-27",
        False,
        "Seller contact telephone number (BT-42) should hold at least 3 digits.",
        lambda r: (
            not _x(r, CONTACT)
            or len(
                re.findall(
                    r"[0-9]",
                    _text_of(
                        r, f"{CONTACT}/ram:TelephoneUniversalCommunication/ram:CompleteNumber"
                    ),
                )
            )
            >= 3
        ),
    ),
    (
        "BR-DE-28",
        False,
        "Seller contact email address (BT-43) should be a plain e-mail address.",
        lambda r: (
            not _x(r, CONTACT)
            or bool(
                EMAIL.match(_text_of(r, f"{CONTACT}/ram:EmailURIUniversalCommunication/ram:URIID"))
            )
        ),
    ),
    (
        "BR-DE-30",
        True,
        "With DIRECT DEBIT (BG-19) the creditor identifier (BT-90) must be given.",
        lambda r: _bg19_complete(r, 1),
    ),
    (
        "BR-DE-31",
        True,
        "With DIRECT DEBIT (BG-19) the debited account (BT-91) must be given.",
        lambda r: _bg19_complete(r, 2),
    ),
    (
        "PEPPOL-EN16931-R001",
        True,
        "Business process (BT-23) MUST be provided.",
        lambda r: _has_text(
            r,
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
            "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
        ),
    ),
    (
        "PEPPOL-EN16931-R010",
        True,
        "Buyer electronic address (BT-49) MUST be provided.",
        lambda r: _has_text(
            r, f"{AGREEMENT}/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"
        ),
    ),
    (
        "PEPPOL-EN16931-R020",
        True,
        "Seller electronic address (BT-34) MUST be provided.",
        lambda r: _has_text(r, f"{SELLER}/ram:URIUniversalCommunication/ram:URIID"),
    ),
    (
        "PEPPOL-EN16931-R053",
        True,
        "No more than one tax total amount in the invoice currency.",
        lambda r: (
            len(
                _x(
                    r,
                    f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
                    "ram:TaxTotalAmount[@currencyID = ../../ram:InvoiceCurrencyCode]",
                )
            )
            <= 1
        ),
    ),
]
