"""MT940 reader (SWIFT customer statement, as German banks still export it).

Parsing is done by the ``mt-940`` library with all of its corrections switched on (reversal
marks signed as debits, ``?31`` kept as the payer's IBAN, long ``:86:`` fields kept whole). Its
German ``:86:`` handling splits the structured sub-fields: ``?00`` posting text, ``?20``-``?29``
purpose (joined without spaces, since banks cut lines at 27 characters in the middle of a word
or number), ``?30``/``?31`` BIC and IBAN, ``?32``/``?33`` name, ``?34`` return reason, and
within the purpose the SEPA keywords ``EREF+``, ``KREF+``, ``MREF+``, ``SVWZ+``, ``IBAN+``,
``ABWA+``... This module turns the result into ``ParsedEntry`` rows.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from decimal import Decimal
from typing import Any

import mt940
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from . import CREDIT, DEBIT, ParsedEntry, ParsedFile, StatementError

# The library logs every failed tag match at DEBUG/INFO; a garbage file would flood the log.
logging.getLogger("mt940").setLevel(logging.WARNING)

NO_REFERENCE = {"", "NONREF", "NOTPROVIDED"}
# Posting texts (?00) of returns and cancellations that some banks book as plain credits/debits.
REVERSAL_WORDS = ("STORNO", "RUECKLASTSCHRIFT", "RÜCKLASTSCHRIFT", "RUECKUEBERWEISUNG", "RETOURE")


def looks_like_mt940(data: bytes) -> bool:
    """Return whether the file starts like an MT940 statement (a ``:20:`` tag, maybe a header)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:2000]
    return head.startswith(b":20:") or b"\n:20:" in head or b"{4:" in head[:200]


def _decode(data: bytes) -> str:
    """Return the text: UTF-8 if it is valid, else ISO 8859-15/Windows-1252 (German banks)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _account(identification: str) -> str:
    """Return the account as an IBAN where it can be made one (``BLZ/Kontonummer`` of German
    banks), so MT940 and CAMT files of one account land on the same account."""
    value = identification.replace(" ", "").upper()
    with contextlib.suppress(SchwiftyException, ValueError):
        return str(IBAN(value).compact)
    bank, _slash, number = value.partition("/")
    if bank.isdigit() and len(bank) == 8 and number.isdigit():
        with contextlib.suppress(SchwiftyException, ValueError):
            return str(IBAN.generate("DE", bank_code=bank, account_code=number.lstrip("0")).compact)
    return value


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def mt940_parse(data: bytes) -> ParsedFile:
    """Read an MT940 file; raise ``StatementError`` for anything that is not one."""
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    tags_61 = sum(1 for line in text.split("\n") if line.startswith(":61:"))
    try:
        statements = mt940.parse_statements(text, options=mt940.Options.all())
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StatementError(
            _("The MT940 file could not be read: %(error)s") % {"error": _first_line(exc)}
        ) from exc
    entries: list[ParsedEntry] = []
    accounts: dict[str, str] = {}
    statement_ids: list[str] = []
    for statement in statements:
        data_ = statement.data
        identification = data_.get("account_identification")
        opening = data_.get("final_opening_balance") or data_.get("intermediate_opening_balance")
        if not identification or opening is None:
            raise StatementError(
                _(
                    "The MT940 file is incomplete: a statement lacks its account (:25:) or its "
                    "opening balance (:60F:)."
                )
            )
        account = _account(identification)
        currency = opening.amount.currency
        accounts.setdefault(account, currency)
        statement_ids.append(
            "/".join(
                part
                for part in (data_.get("statement_number"), data_.get("sequence_number"))
                if part
            )
            or str(data_.get("transaction_reference", ""))
        )
        for transaction in statement:
            entries.append(_entry(transaction.data, account=account, position=len(entries) + 1))
    if not entries and not statements:
        raise StatementError(_("No MT940 statement was found in the file (no :20: … :62F: block)."))
    if len(entries) != tags_61:
        raise StatementError(
            _("The MT940 file is damaged: %(found)d of its %(tags)d bookings (:61:) could be read.")
            % {"found": len(entries), "tags": tags_61}
        )
    dates = [entry.booked_on for entry in entries]
    return ParsedFile(
        format="mt940",
        statement_ids=tuple(statement_ids),
        accounts=accounts,
        period_from=min(dates) if dates else None,
        period_to=max(dates) if dates else None,
        entries=entries,
    )


def _entry(data: dict[str, Any], *, account: str, position: int) -> ParsedEntry:
    amount: Decimal = data["amount"].amount
    mark = str(data.get("status") or "")
    posting_text = _clean(data.get("posting_text"))
    reversal = mark.startswith("R") or any(word in posting_text.upper() for word in REVERSAL_WORDS)
    booked = data.get("guessed_entry_date") or data.get("entry_date") or data["date"]
    value = data.get("date")
    purpose = str(data.get("purpose") or data.get("transaction_details") or "").strip()
    extra = _clean(data.get("additional_purpose"))
    remittance = "\n".join(part for part in (purpose, extra) if part)
    end_to_end = _clean(data.get("end_to_end_reference"))
    if end_to_end.upper() in NO_REFERENCE:
        end_to_end = ""
    # The :61: customer reference and KREF+ arrive joined ("NONREF INITECH-PO-4411").
    words = [
        word
        for value in (data.get("customer_reference"), data.get("additional_position_reference"))
        for word in _clean(value).split()
        if word.upper() not in NO_REFERENCE
    ]
    references = tuple(value for value in (end_to_end, *words) if value)
    iban = _clean(data.get("applicant_iban") or data.get("gvc_applicant_iban")).replace(" ", "")
    bank_reference = _clean(data.get("bank_reference"))
    return ParsedEntry(
        account=account,
        position=position,
        booked_on=datetime.date(booked.year, booked.month, booked.day),
        value_on=datetime.date(value.year, value.month, value.day) if value else None,
        amount=abs(amount),
        currency=str(data["amount"].currency),
        direction=CREDIT if amount > 0 else DEBIT,
        is_reversal=reversal,
        counterparty_name=_clean(data.get("applicant_name") or data.get("deviate_applicant"))[:140],
        counterparty_iban=iban if iban.isalnum() else "",
        remittance=remittance[:1000],
        references=references,
        end_to_end_id=end_to_end,
        bank_reference="" if bank_reference.upper() in NO_REFERENCE else bank_reference[:80],
        bank_code=_clean(data.get("transaction_code"))[:35],
        posting_text=posting_text[:140],
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
