"""Countries as ISO 3166-1 alpha-2 codes: recognising typed names, naming a code for a letter.

Clients and the freelancer's profile store a code (django-countries' ``CountryField``, with
localised names in the form). Text typed before, or arriving from a CSV or vCard import, goes
through ``country_code``: a code, or a German or English name or a common variant ("Spanien",
"Vereinigtes Königreich", "UK", "USA") gives its code; anything else gives ``""``, and the
caller keeps the text for the freelancer to fix. Nothing is ever guessed as Germany.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from django.utils import translation
from django_countries import countries

# Variants that neither the English nor the German list of names spells this way.
ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "grossbritannien": "GB",
    "großbritannien": "GB",
    "england": "GB",
    "scotland": "GB",
    "schottland": "GB",
    "wales": "GB",
    "vereinigtes konigreich": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "u.s.a.": "US",
    "us": "US",
    "united states": "US",
    "united states of america": "US",
    "vereinigte staaten": "US",
    "vereinigte staaten von amerika": "US",
    "brd": "DE",
    "bundesrepublik deutschland": "DE",
    "deutschland": "DE",
    "germany": "DE",
    "holland": "NL",
    "niederlande": "NL",
    "the netherlands": "NL",
    "tschechien": "CZ",
    "czech republic": "CZ",
    "czechia": "CZ",
    "russland": "RU",
    "russia": "RU",
    "südkorea": "KR",
    "south korea": "KR",
    "turkey": "TR",
    "türkei": "TR",
}
# Three-letter codes freelancers and exports use for the neighbours (ISO 3166-1 alpha-3).
ALPHA3 = {
    "deu": "DE",
    "aut": "AT",
    "che": "CH",
    "fra": "FR",
    "ita": "IT",
    "esp": "ES",
    "nld": "NL",
    "bel": "BE",
    "lux": "LU",
    "pol": "PL",
    "dnk": "DK",
    "swe": "SE",
    "gbr": "GB",
    "usa": "US",
}


def _key(name: str) -> str:
    """Fold a name for lookup: case, accents and surrounding space do not matter."""
    folded = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(char for char in folded if not unicodedata.combining(char))


@cache
def _names() -> dict[str, str]:
    """Every country name in English and German, folded, plus the aliases."""
    table: dict[str, str] = {}
    for language in ("en", "de"):
        with translation.override(language):
            for code, name in countries:
                table[_key(str(name))] = code
    table.update({_key(alias): code for alias, code in ALIASES.items()})
    table.update(ALPHA3)
    return table


def country_code(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code for ``value`` (a code or a name), or ``""``."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        if code == "UK":
            return "GB"
        return code if code in countries else ""
    return _names().get(_key(text), "")


def country_name(code: str, language: str) -> str:
    """Return the country's name in ``language`` ("de", "en"); unknown text as it is."""
    if code and code in countries:
        with translation.override(language):
            return str(countries.name(code))
    return code or ""


def address_country_line(country: str, *, home: str, language: str) -> str:
    """Return the country line of a postal address (DIN 5008): for a foreign address only,
    in capitals, in the document's language; ``""`` for a domestic one (or none given).

    ``country`` and ``home`` are codes (names, from older snapshots, are recognised too).
    """
    code = country_code(country) or (country or "").strip()
    if not code or code == (country_code(home) or home):
        return ""
    return country_name(code, language).upper()
