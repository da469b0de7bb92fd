"""Locale-aware formatting of money and dates for templates and documents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats, timezone, translation

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def format_money(amount: Any, currency: str = "EUR", language: str | None = None) -> str:
    """Return ``amount`` as money in ``language``: ``1.234,56 €`` (de) or ``€1,234.56`` (en)."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    language = (language or translation.get_language() or "de")[:2]
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if language == "de":
        return f"{sign}{'.'.join(groups)},{cents}\u00a0{symbol}"
    if symbol.isalpha():
        return f"{sign}{symbol}\u00a0{','.join(groups)}.{cents}"
    return f"{sign}{symbol}{','.join(groups)}.{cents}"


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    """Format ``amount`` in the active language: ``{{ total|money:currency }}``."""
    return format_money(amount, currency or "EUR")


@register.simple_tag
def money_in(amount: Any, currency: str, language: str) -> str:
    """Format money in a given language (documents use the client's language)."""
    return format_money(amount, currency or "EUR", language)


# Dates on documents: German 11.11.2026; English in the unambiguous British order, 11 November
# 2026 (11/11/2026 reads as a different day in London and in New York), or November 11, 2026
# for a client in the United States.
DOCUMENT_DATE_FORMATS = {"de": "d.m.Y", "en": "j F Y"}
US_DOCUMENT_DATE_FORMAT = "F j, Y"


def format_document_date(value: Any, language: str, country: str = "") -> str:
    """Return ``value`` (a date) as a document in ``language`` prints it; "" for no date."""
    if not value:
        return ""
    language = language if language in DOCUMENT_DATE_FORMATS else "de"
    fmt = DOCUMENT_DATE_FORMATS[language]
    if language == "en" and country.strip().upper() == "US":
        fmt = US_DOCUMENT_DATE_FORMAT
    with translation.override(language):
        return formats.date_format(value, fmt)


@register.simple_tag
def document_date(value: Any, language: str, country: str = "") -> str:
    """Format a date for a document: ``{% document_date invoice.due_on language %}``."""
    if hasattr(value, "tzinfo") and hasattr(value, "date"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_document_date(value, language, country)


@register.simple_tag
def date_in(value: Any, language: str, fmt: str = "DATE_FORMAT") -> str:
    """Format a date in a given language, e.g. ``{% date_in offer.issued_on client.language %}``."""
    if not value:
        return ""
    with translation.override(language):
        return formats.date_format(value, fmt)
