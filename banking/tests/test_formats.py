"""Reading the statement files: CAMT 052/053/054 in versions 02 and 08, MT940, bad files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from banking.formats import CREDIT, DEBIT, StatementError, statement_parse

from .conftest import ACME_IBAN, INITECH_IBAN, data

ALICE_IBAN = "DE89370400440532013000"


def test_it_reads_a_german_camt053_with_sepa_remittance_information() -> None:
    parsed = statement_parse(data("camt053_sparkasse.xml"))

    assert parsed.format == "camt.053.001.08"
    assert parsed.accounts == {ALICE_IBAN: "EUR"}
    assert (parsed.period_from, parsed.period_to) == (
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 5),
    )
    first, _second, debit, partial, _unrelated = parsed.entries
    assert first.direction == CREDIT
    assert first.amount == Decimal("1190.00")
    assert first.counterparty_name == "Acme GmbH"
    assert first.counterparty_iban == ACME_IBAN
    assert first.remittance == "RE 2026-0042 Kundennr. 10017"
    assert first.end_to_end_id == "RE2026-0042"
    assert first.bank_reference == "2026110200012345"
    assert first.posting_text == "SEPA-GUTSCHRIFT"
    assert debit.direction == DEBIT
    assert debit.counterparty_name == "Adobe Systems Software Ireland Ltd"
    assert partial.remittance == "Rg. 2026-00\n45 Teilzahlung, Rest folgt"
    assert [entry.position for entry in parsed.entries] == [1, 2, 3, 4, 5]


def test_it_reads_camt053_version_02_and_splits_a_batch_booking() -> None:
    parsed = statement_parse(data("camt053_v02.xml"))

    assert parsed.format == "camt.053.001.02"
    single, acme, donation = parsed.entries
    assert single.counterparty_name == "Initech Ltd"
    assert single.end_to_end_id == ""  # NOTPROVIDED
    assert (acme.amount, donation.amount) == (Decimal("595.00"), Decimal("50.00"))
    assert acme.bank_reference == "VB2026111000002/1"
    assert donation.bank_reference == "VB2026111000002/2"
    assert donation.counterparty_name == "Max Mustermann"


def test_it_reads_camt052_and_keeps_pending_entries_apart() -> None:
    parsed = statement_parse(data("camt052.xml"))

    assert parsed.format == "camt.052.001.08"
    assert [entry.is_booked for entry in parsed.entries] == [True, False]


def test_it_reads_camt054_with_a_structured_creditor_reference() -> None:
    parsed = statement_parse(data("camt054.xml"))

    assert parsed.format == "camt.054.001.02"
    (entry,) = parsed.entries
    assert entry.references == ("RF18 2026 0044",)
    assert entry.remittance == ""


def test_it_reads_a_reversal_by_its_indicator() -> None:
    payment, storno = statement_parse(data("camt053_storno.xml")).entries

    assert not payment.is_reversal
    assert storno.is_reversal
    assert storno.direction == DEBIT


def test_it_reads_a_foreign_currency_account() -> None:
    parsed = statement_parse(data("camt053_usd.xml"))

    assert parsed.accounts == {"DE27100777770209299700": "USD"}
    assert {entry.currency for entry in parsed.entries} == {"USD"}


def test_it_reads_a_german_mt940_with_structured_field_86() -> None:
    parsed = statement_parse(data("mt940_volksbank.sta"))

    assert parsed.format == "mt940"
    assert parsed.statement_ids == ("00152/001", "00153/001")
    # "BLZ/Kontonummer" becomes the IBAN, so MT940 and CAMT land on one account.
    assert parsed.accounts == {ALICE_IBAN: "EUR"}
    payment, debit, initech, storno = parsed.entries
    assert payment.remittance == "RE 2026-0042 Danke fuer die gute Zusammenarbeit"  # SVWZ+
    assert payment.end_to_end_id == "RE2026-0042"  # EREF+
    assert payment.counterparty_iban == ACME_IBAN  # ?31
    assert payment.counterparty_name == "Acme GmbH"  # ?32
    assert payment.bank_reference == "2611020001"
    assert payment.posting_text == "SEPA-GUTSCHRIFT"  # ?00
    assert payment.references == ("RE2026-0042",)  # KREF+NONREF dropped
    assert debit.direction == DEBIT
    assert debit.counterparty_name == "Adobe Systems Software Ireland Ltd"  # ?32 + ?33
    assert debit.references == ("ADOBE-778812", "M-778")  # EREF+, MREF+
    assert initech.counterparty_iban == INITECH_IBAN
    assert initech.remittance == "Invoice 2026-0046 PO 4411"
    assert initech.references == ("INITECH-PO-4411",)  # KREF+
    assert storno.is_reversal  # RC: reversal of a credit
    assert storno.direction == DEBIT


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_truncated.xml", "not complete, well-formed XML"),
        ("bad_namespace.xml", "not a CAMT bank statement"),
        ("bad_schema.xml", "does not follow the camt.053.001.08 schema"),
        ("bad_doctype.xml", "DOCTYPE"),
        ("bad_garbage.sta", "not a bank statement that can be read"),
        ("bad_mt940_damaged.sta", "MT940 file could not be read"),
    ],
)
def test_it_refuses_a_malformed_file_with_a_clear_answer(name: str, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        statement_parse(data(name))


def test_it_names_an_unsupported_camt_version() -> None:
    content = data("camt053_sparkasse.xml").replace(b"camt.053.001.08", b"camt.053.001.04")

    with pytest.raises(StatementError, match=r"camt\.053\.001\.04.*not supported"):
        statement_parse(content)


def test_it_never_reads_a_local_file_through_an_entity() -> None:
    content = data("bad_doctype.xml")

    with pytest.raises(StatementError) as excinfo:
        statement_parse(content)
    assert "root:" not in str(excinfo.value)


def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(StatementError, match="empty"):
        statement_parse(b"  \n")


def test_it_refuses_an_mt940_without_account_or_balance() -> None:
    content = b":20:STARTUMSE\r\n:28C:00001/001\r\n-\r\n"

    with pytest.raises(StatementError, match="incomplete"):
        statement_parse(content)


def test_it_reads_an_mt940_in_windows_1252() -> None:
    content = data("mt940_volksbank.sta").replace(b"Acme GmbH", "Müller & Söhne".encode("cp1252"))

    parsed = statement_parse(content)

    assert parsed.entries[0].counterparty_name == "Müller & Söhne"


def test_it_stores_only_xml_characters_of_the_banks_text() -> None:
    raw = data("mt940_volksbank.sta").replace(b"Danke f", b"Danke\x01 f")
    raw = raw.replace(b"Acme GmbH", b"Ac\x1bme GmbH")
    payment = statement_parse(raw).entries[0]
    assert payment.remittance == "RE 2026-0042 Danke fuer die gute Zusammenarbeit"
    assert payment.counterparty_name == "Acme GmbH"
