"""Reading bank statements: CAMT (ISO 20022 XML) and MT940, into one plain shape.

``statement_parse(data)`` recognises the format, reads every booking and returns a
``ParsedFile``; anything it cannot read raises ``StatementError`` with a message for the
freelancer (in the active language) and nothing else happens. The readers never touch the
database, so a malformed file cannot leave anything behind.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.text import text_clean

CREDIT = "credit"
DEBIT = "debit"

# Bigger than any statement a freelancer's bank produces (5,000 CAMT bookings are about 8 MB).
MAX_BYTES = 20 * 1024 * 1024


class StatementError(Exception):
    """The file is not a statement that can be read; the message is for the freelancer."""


@dataclass(frozen=True)
class ParsedEntry:
    """One booking (one transaction of a batch booking) as the bank reported it."""

    account: str  # the freelancer's account: IBAN, else the bank's account identification
    position: int  # 1-based order in the file
    booked_on: datetime.date
    value_on: datetime.date | None
    amount: Decimal  # never negative; ``direction`` says which way the money went
    currency: str
    direction: str  # CREDIT (money in) or DEBIT (money out)
    is_reversal: bool = False  # Storno, returned transfer, Rücklastschrift
    is_booked: bool = True  # False for pending / information-only entries (camt.052)
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""  # the unstructured remittance information, lines joined by "\n"
    references: tuple[str, ...] = ()  # end-to-end id, creditor reference, KREF, ... (searched)
    end_to_end_id: str = ""
    bank_reference: str = ""  # the bank's own reference for the entry, "" if none
    bank_code: str = ""  # ISO bank transaction code or GVC, for display
    posting_text: str = ""  # e.g. "SEPA-GUTSCHRIFT"


@dataclass(frozen=True)
class ParsedFile:
    """Everything read from one file: its format and bookings, in file order."""

    format: str  # e.g. "camt.053.001.08" or "mt940"
    statement_ids: tuple[str, ...]
    accounts: dict[str, str]  # account -> its currency
    period_from: datetime.date | None
    period_to: datetime.date | None
    entries: list[ParsedEntry] = field(default_factory=list)


def statement_parse(data: bytes) -> ParsedFile:
    """Recognise CAMT or MT940 and read the file; raise ``StatementError`` if it cannot."""
    from . import camt, swift

    if not data.strip():
        raise StatementError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise StatementError(
            _("The file is larger than %(mb)d MB; split it into several statements.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return _text_cleaned(camt.camt_parse(data))
    if swift.looks_like_mt940(data):
        return _text_cleaned(swift.mt940_parse(data))
    raise StatementError(
        _(
            "This is not a bank statement that can be read: expected a CAMT file (XML, "
            "camt.052, camt.053 or camt.054) or an MT940 file (starting with :20:)."
        )
    )


TEXT_FIELDS = ("counterparty_name", "remittance", "end_to_end_id", "bank_reference", "posting_text")


def _text_cleaned(parsed: ParsedFile) -> ParsedFile:
    """Clean the bank's text as every stored text is (crm/text.py): an MT940 file may carry
    control characters, and remittance text reaches the timeline and payment notes."""
    parsed.entries[:] = [
        replace(
            entry,
            references=tuple(text_clean(reference) for reference in entry.references),
            **{name: text_clean(getattr(entry, name)) for name in TEXT_FIELDS},
        )
        for entry in parsed.entries
    ]
    return parsed
