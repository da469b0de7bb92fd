"""Code lists the e-invoice needs: UN/ECE unit codes, countries, VAT categories.

Countries are ISO 3166 codes (``Client.country``, ``Profile.country``); snapshots from before
the codes hold names, which ``crm.countries`` recognises. An unrecognised one is never guessed.
"""

from __future__ import annotations

from typing import Any

from crm.countries import country_code

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


def party_country(party: dict[str, Any], *, home: str) -> str:
    """Return the party's ISO 3166 code; no country means domestic (``home``).

    An unrecognised country raises ValueError: issuing asks for it first, so only a broken
    snapshot gets here.
    """
    typed = str(party.get("country") or "").strip()
    code = country_code(typed) if typed else home
    if not code:
        raise ValueError(f"No ISO 3166 country for {party.get('name')!r}: {typed!r}")
    return code


def vat_treatment_for(*, buyer_country: Any, buyer_vat_id: str, is_business: bool) -> str:
    """Suggest the VAT treatment of an invoice to this buyer (the freelancer may change it).

    A business in another EU state with a VAT ID: reverse charge (§ 13b UStG); a business
    outside the EU: not taxable here; everything else: German VAT.
    """
    code = country_code(str(buyer_country or "")) or "DE"
    if not is_business or code == "DE":
        return VatTreatment.STANDARD
    if code in EU_COUNTRIES:
        return VatTreatment.REVERSE_CHARGE if buyer_vat_id else VatTreatment.STANDARD
    return VatTreatment.EXPORT
