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


VAT_ID_RE = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,12}$")
LEITWEG_START_RE = re.compile(r"^[0-9]{2,12}-")
LEITWEG_ID_RE = re.compile(r"^[0-9]{2,12}(-[0-9A-Z]{1,30})?-[0-9]{2}$")


def validate_vat_id(value: str) -> None:
    """Raise ValidationError unless ``value`` is shaped like an EU VAT ID (e.g. FR12345678901)."""
    if value and not VAT_ID_RE.match(value.replace(" ", "").upper()):
        raise ValidationError(
            _("Enter the VAT ID with its country prefix, e.g. DE123456789 or FR12345678901.")
        )


def validate_leitweg_id(value: str) -> None:
    """Raise ValidationError unless ``value`` is a usable XRechnung buyer reference (BT-10).

    A Leitweg-ID (it starts with digits and a hyphen) must have correct check digits: the two
    last digits are the ISO/IEC 7064 MOD 97-10 check of the whole ID (letters count A=10 ...
    Z=35), as the KoSIT Leitweg-ID format specifies. Any other text is a company's own buyer
    reference and is taken as it is.
    """
    reference = (value or "").strip().upper()
    if not reference or not LEITWEG_START_RE.match(reference):
        return
    digits = "".join(str(int(char, 36)) for char in reference.replace("-", "") if char.isalnum())
    if not LEITWEG_ID_RE.match(reference) or int(digits) % 97 != 1:
        raise ValidationError(
            _(
                "This is not a valid Leitweg-ID (e.g. 04011000-12345-03: digits, an optional "
                "part, two check digits). Copy it exactly as the client wrote it."
            )
        )
