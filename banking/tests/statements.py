"""Writers of CAMT and MT940 statements for tests, the benchmark and the demo sample.

They build the XML with lxml element by element, in the order the ISO 20022 schemas require,
for camt.052/053/054 versions 001.02 and 001.08; MT940 as German banks write it (``:86:`` with
``?00`` posting text, ``?20``-``?29`` purpose lines of 27 characters with SEPA keywords,
``?30``-``?33`` payer). The files in tests/data were written by them and then kept as they are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

MESSAGES = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


@dataclass
class Tx:
    """One transaction of an entry (several make a batch booking)."""

    amount: Decimal | None = None
    name: str = ""
    iban: str = ""
    bic: str = ""
    end_to_end: str = "NOTPROVIDED"
    remittance: list[str] = field(default_factory=list)
    reference: str = ""  # TxDtls/Refs/AcctSvcrRef
    creditor_reference: str = ""  # RmtInf/Strd/CdtrRefInf/Ref


@dataclass
class Entry:
    amount: Decimal
    booked_on: datetime.date
    credit: bool = True
    reference: str = ""  # Ntry/AcctSvcrRef
    reversal: bool = False
    status: str = "BOOK"
    currency: str = "EUR"
    info: str = ""  # AddtlNtryInf, e.g. "SEPA-GUTSCHRIFT"
    code: str = "NTRF+166"
    txs: list[Tx] = field(default_factory=list)


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{parent.nsmap[None]}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def _path(
    parent: etree._Element, path: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = parent
    parts = path.split("/")
    for part in parts[:-1]:
        element = _add(element, part)
    return _add(element, parts[-1], text, **attrs)


def camt(
    entries: list[Entry],
    *,
    message: str = "camt.053",
    version: str = "08",
    account: str = "DE89370400440532013000",
    currency: str = "EUR",
    statement_id: str = "2026-11-06-001",
    period: tuple[datetime.date, datetime.date] | None = None,
    opening: Decimal = Decimal("10000.00"),
    created: str = "2026-11-06T22:15:00+01:00",
    servicer_bic: str = "COBADEFFXXX",
) -> bytes:
    """Return a CAMT document with ``entries`` as bytes (UTF-8, with XML declaration)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:{message}.001.{version}"
    v08 = version == "08"
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    report_tag, statement_tag = MESSAGES[message]
    report = _add(root, report_tag)
    header = _add(report, "GrpHdr")
    _add(header, "MsgId", f"MSG-{statement_id}")
    _add(header, "CreDtTm", created)
    stmt = _add(report, statement_tag)
    _add(stmt, "Id", statement_id)
    if message == "camt.053":
        _add(stmt, "ElctrncSeqNb", "214")
    _add(stmt, "CreDtTm", created)
    dates = [entry.booked_on for entry in entries] or [datetime.date(2026, 11, 6)]
    start, end = period or (min(dates), max(dates))
    span = _add(stmt, "FrToDt")
    _add(span, "FrDtTm", f"{start.isoformat()}T00:00:00+01:00")
    _add(span, "ToDtTm", f"{end.isoformat()}T23:59:59+01:00")
    acct = _add(stmt, "Acct")
    _path(acct, "Id/IBAN", account)
    _add(acct, "Ccy", currency)
    _path(acct, "Svcr/FinInstnId/" + ("BICFI" if v08 else "BIC"), servicer_bic)
    if message != "camt.054":
        closing = opening + sum(
            (
                entry.amount if entry.credit else -entry.amount
                for entry in entries
                if entry.status == "BOOK"
            ),
            Decimal(0),
        )
        for code, amount, day in (("OPBD", opening, start), ("CLBD", closing, end)):
            balance = _add(stmt, "Bal")
            _path(balance, "Tp/CdOrPrtry/Cd", code)
            _add(balance, "Amt", f"{abs(amount):.2f}", Ccy=currency)
            _add(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
            _path(balance, "Dt/Dt", day.isoformat())
    for entry in entries:
        _entry(stmt, entry, v08=v08)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(stmt: etree._Element, entry: Entry, *, v08: bool) -> None:
    ntry = _add(stmt, "Ntry")
    _add(ntry, "Amt", f"{entry.amount:.2f}", Ccy=entry.currency)
    _add(ntry, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    if entry.reversal:
        _add(ntry, "RvslInd", "true")
    if v08:
        _path(ntry, "Sts/Cd", entry.status)
    else:
        _add(ntry, "Sts", entry.status)
    _path(ntry, "BookgDt/Dt", entry.booked_on.isoformat())
    _path(ntry, "ValDt/Dt", entry.booked_on.isoformat())
    if entry.reference:
        _add(ntry, "AcctSvcrRef", entry.reference)
    code = _add(ntry, "BkTxCd")
    domain = _add(code, "Domn")
    _add(domain, "Cd", "PMNT")
    family = _add(domain, "Fmly")
    _add(family, "Cd", "RCDT" if entry.credit else "ICDT")
    subfamily = "ESCT"
    if entry.reversal:
        subfamily = "RRTN"
    _add(family, "SubFmlyCd", subfamily)
    proprietary = _add(code, "Prtry")
    _add(proprietary, "Cd", entry.code)
    _add(proprietary, "Issr", "DK")
    if entry.txs:
        details = _add(ntry, "NtryDtls")
        for tx in entry.txs:
            _tx(details, tx, entry, v08=v08)
    if entry.info:
        _add(ntry, "AddtlNtryInf", entry.info)


def _tx(details: etree._Element, tx: Tx, entry: Entry, *, v08: bool) -> None:
    element = _add(details, "TxDtls")
    refs = _add(element, "Refs")
    if tx.reference:
        _add(refs, "AcctSvcrRef", tx.reference)
    _add(refs, "EndToEndId", tx.end_to_end)
    if tx.amount is not None:
        if v08:
            _add(element, "Amt", f"{tx.amount:.2f}", Ccy=entry.currency)
            _add(element, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
        else:
            _path(element, "AmtDtls/TxAmt/Amt", f"{tx.amount:.2f}", Ccy=entry.currency)
    parties = _add(element, "RltdPties")
    party, account = ("Dbtr", "DbtrAcct") if entry.credit else ("Cdtr", "CdtrAcct")
    if tx.name:
        _path(parties, f"{party}/Pty/Nm" if v08 else f"{party}/Nm", tx.name)
    if tx.iban:
        _path(parties, f"{account}/Id/IBAN", tx.iban)
    if tx.bic:
        agents = _add(element, "RltdAgts")
        agent = "DbtrAgt" if entry.credit else "CdtrAgt"
        _path(agents, f"{agent}/FinInstnId/" + ("BICFI" if v08 else "BIC"), tx.bic)
    if tx.remittance or tx.creditor_reference:
        info = _add(element, "RmtInf")
        for line in tx.remittance:
            _add(info, "Ustrd", line)
        if tx.creditor_reference:
            _path(info, "Strd/CdtrRefInf/Ref", tx.creditor_reference)


# --- MT940 ----------------------------------------------------------------------------------


@dataclass
class Booking:
    """One :61:/:86: pair of an MT940 statement."""

    amount: Decimal
    booked_on: datetime.date
    mark: str = "C"  # C, D, RC (reversal of a credit), RD (reversal of a debit)
    gvc: str = "166"
    posting_text: str = "SEPA-GUTSCHRIFT"
    purpose: str = ""  # with SEPA keywords, e.g. "EREF+RE2026-0042 SVWZ+RE 2026-0042"
    name: str = ""
    iban: str = ""
    bic: str = ""
    bank_reference: str = ""
    return_code: str = ""


def _subfields(booking: Booking) -> str:
    fields = [f"?00{booking.posting_text}", "?109310"]
    chunks = [booking.purpose[i : i + 27] for i in range(0, len(booking.purpose), 27)][:10]
    fields += [f"?2{index}{chunk}" for index, chunk in enumerate(chunks)]
    if booking.bic:
        fields.append(f"?30{booking.bic}")
    if booking.iban:
        fields.append(f"?31{booking.iban}")
    if booking.name:
        fields.append(f"?32{booking.name[:27]}")
        if len(booking.name) > 27:
            fields.append(f"?33{booking.name[27:54]}")
    if booking.return_code:
        fields.append(f"?34{booking.return_code}")
    text = booking.gvc + "".join(fields)
    # SWIFT lines carry at most 65 characters; the rest continues on the next line.
    return "\n".join(text[i : i + 65] for i in range(0, len(text), 65))


def mt940(
    statements: list[list[Booking]],
    *,
    account: str = "37040044/0532013000",
    currency: str = "EUR",
    opening: Decimal = Decimal("10000.00"),
    first_number: int = 152,
) -> bytes:
    """Return an MT940 file with one statement (:20: ... -) per list of bookings, CRLF lines."""
    lines: list[str] = []
    balance = opening
    for offset, bookings in enumerate(statements):
        day = min((b.booked_on for b in bookings), default=datetime.date(2026, 11, 2))
        last = max((b.booked_on for b in bookings), default=day)
        lines += [
            ":20:STARTUMSE",
            f":25:{account}",
            f":28C:{first_number + offset:05d}/001",
            f":60F:{'C' if balance >= 0 else 'D'}{day:%y%m%d}{currency}{_amount(abs(balance))}",
        ]
        for booking in bookings:
            reference = f"//{booking.bank_reference}" if booking.bank_reference else ""
            lines.append(
                f":61:{booking.booked_on:%y%m%d}{booking.booked_on:%m%d}{booking.mark}"
                f"{_amount(booking.amount)}NMSCNONREF{reference}"
            )
            lines.append(f":86:{_subfields(booking)}")
            credit = booking.mark in {"C", "RD"}
            balance += booking.amount if credit else -booking.amount
        lines += [
            f":62F:{'C' if balance >= 0 else 'D'}{last:%y%m%d}{currency}{_amount(abs(balance))}",
            "-",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")
