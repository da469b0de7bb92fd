"""Validators for bank details and phone numbers, with messages a freelancer understands."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

PHONE_RE = re.compile(r"^\+?[0-9 ()/.\-]{5,30}$")


def validate_iban(value: str) -> None:
    """Raise ValidationError unless ``value`` is a valid IBAN (spaces allowed)."""
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError(
            _("This is not a valid IBAN (check the country code, length and check digits).")
        ) from exc


def validate_bic(value: str) -> None:
    """Raise ValidationError unless ``value`` is a valid BIC."""
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(_("This is not a valid BIC (8 or 11 letters and digits).")) from exc


def validate_phone(value: str) -> None:
    """Raise ValidationError unless ``value`` looks like a phone number."""
    if value and not (PHONE_RE.match(value) and sum(ch.isdigit() for ch in value) >= 5):
        raise ValidationError(
            _("Enter a phone number of digits, spaces and + ( ) / - only, e.g. +49 30 1234567.")
        )
