"""Code lists the e-invoice needs: UN/ECE unit codes, countries, VAT categories.

The country guess from free text stays until clients and the profile carry ISO 3166 codes (then
``country_code`` receives the code and passes it through).
"""

from __future__ import annotations

from ..models.invoices import VatTreatment

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
COUNTRY_CODES = {
    "": "DE",
    "deutschland": "DE",
    "germany": "DE",
    "österreich": "AT",
    "austria": "AT",
    "schweiz": "CH",
    "switzerland": "CH",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "frankreich": "FR",
    "france": "FR",
    "niederlande": "NL",
    "netherlands": "NL",
    "usa": "US",
    "united states": "US",
}
# Member states of the European Union (ISO 3166-1 alpha-2), for the reverse-charge decision.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


# VAT category codes (UNTDID 5305) and the exemption reasons EN 16931 asks for (BT-120/121).
SMALL_BUSINESS = ("E", "", "Kleinunternehmer gemäß § 19 UStG")
REVERSE_CHARGE = ("AE", "VATEX-EU-AE", "Steuerschuldnerschaft des Leistungsempfängers")
EXPORT = ("G", "VATEX-EU-G", "Nicht im Inland steuerbare Leistung (Ausfuhr)")
NOT_SUBJECT = ("O", "VATEX-EU-O", "Nicht im Inland steuerbare Leistung")


def unit_code(unit: str) -> str:
    """Return the UN/ECE unit code for a unit as typed (default C62, "one")."""
    return UNIT_CODES.get(unit.strip().lower(), "C62")


def country_code(country: str) -> str:
    """Return the ISO 3166 code for a country name (two letters pass through)."""
    value = (country or "").strip()
    if len(value) == 2 and value.isalpha():
        return value.upper()
    return COUNTRY_CODES.get(value.lower(), "DE")


__all__ = ["VatTreatment"]


def vat_treatment_for(*, buyer_country: str, buyer_vat_id: str, is_business: bool) -> str:
    """Suggest the VAT treatment of an invoice to this buyer (the freelancer may change it).

    A business in another EU state with a VAT ID: reverse charge (§ 13b UStG); a business
    outside the EU: not taxable here; everything else: German VAT.
    """
    code = country_code(buyer_country)
    if not is_business or code == "DE":
        return VatTreatment.STANDARD
    if code in EU_COUNTRIES:
        return VatTreatment.REVERSE_CHARGE if buyer_vat_id else VatTreatment.STANDARD
    return VatTreatment.EXPORT
