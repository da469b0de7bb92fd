"""How documents speak to the client: units, labels, dates and numbers in the client's language.

Data, not gettext: an invoice line is written for the client, whatever language the
freelancer's interface speaks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import formats, translation

WORDS = {
    "de": {
        "hours": "Std.",
        "flat": "pauschal",
        "other": "Weitere Arbeiten",
        "expense": "Auslage",
        "markup": "zzgl. {markup} % Aufschlag",
    },
    "en": {
        "hours": "hours",
        "flat": "flat",
        "other": "Other work",
        "expense": "Expense",
        "markup": "plus {markup} % handling",
    },
}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def date_text(day: datetime.date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def number_text(value: Decimal, language: str) -> str:
    """Return a number as the client reads it: 17,50 (de) or 17.50 (en)."""
    text = f"{value:f}"
    return text.replace(".", ",") if language == "de" else text
