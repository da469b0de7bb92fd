"""CAMT reader: camt.052 (account report), camt.053 (statement) and camt.054 (notification).

The file is parsed by lxml with entity resolution, DTDs and network access switched off (no XXE,
no entity expansion), validated against the official ISO 20022 schema of its namespace
(vendored in banking/xsd/, see the README there) and only then read, by element paths that
versions 02 and 08 share. Nothing here looks at the XML as text.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from . import CREDIT, DEBIT, ParsedEntry, ParsedFile, StatementError

XSD_DIR = Path(__file__).resolve().parent.parent / "xsd"
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
# message -> (report element, statement element inside it)
MESSAGES = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
SCHEMAS = {
    f"{NAMESPACE_PREFIX}{message}.001.{version}": f"{message}.001.{version}"
    for message in MESSAGES
    for version in ("02", "08")
}
# ISO bank transaction sub-family codes that mean the money came back or was taken back.
RETURN_SUBFAMILIES = {"RRTN", "UPDD", "RPCR", "ARET", "AREV", "PRDD"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@functools.cache
def _schema(version: str) -> etree.XMLSchema:
    """Return the compiled schema of ``version`` (compiled once per process)."""
    document = etree.parse(str(XSD_DIR / f"{version}.xsd"), _parser())
    return etree.XMLSchema(document)


@functools.cache
def _xpath(path: str, namespace: str) -> etree.XPath:
    """Return ``path`` compiled once (a statement asks the same few dozen paths per entry)."""
    return etree.XPath(path, namespaces={"c": namespace})


class _Reader:
    """Element lookups in the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return _xpath(path, self.namespace)(element)

    def one(self, element: etree._Element, path: str) -> etree._Element | None:
        found = self.all(element, path)
        return found[0] if found else None

    def text(self, element: etree._Element | None, *paths: str) -> str:
        """Return the stripped text of the first path that has some, else ""."""
        if element is None:
            return ""
        for path in paths:
            for found in self.all(element, path):
                value = (found.text or "").strip()
                if value:
                    return value
        return ""

    def texts(self, element: etree._Element, path: str) -> list[str]:
        return [value for found in self.all(element, path) if (value := (found.text or "").strip())]


def _date(value: str) -> datetime.date | None:
    """Return the date of an ISODate or ISODateTime ("2026-11-02", "2026-11-02T10:00:00+01:00")."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def camt_parse(data: bytes) -> ParsedFile:
    """Read a CAMT file; raise ``StatementError`` unless it is valid by its ISO schema."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise StatementError(
            _("The file is not complete, well-formed XML (line %(line)s: %(error)s).")
            % {"line": exc.lineno or "?", "error": exc.msg or exc}
        ) from exc
    if root.getroottree().docinfo.doctype:
        raise StatementError(_("The XML file declares a DOCTYPE, which bank statements never do."))
    name = etree.QName(root)
    version = SCHEMAS.get(name.namespace or "")
    if version is None:
        if (name.namespace or "").startswith(f"{NAMESPACE_PREFIX}camt.05"):
            raise StatementError(
                _(
                    "This CAMT version (%(namespace)s) is not supported; supported are "
                    "camt.052, camt.053 and camt.054 in versions 001.02 and 001.08."
                )
                % {"namespace": name.namespace}
            )
        raise StatementError(
            _(
                "This XML file is not a CAMT bank statement: its root element is "
                "“%(element)s” in the namespace “%(namespace)s”."
            )
            % {"element": name.localname, "namespace": name.namespace or "-"}
        )
    schema = _schema(version)
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise StatementError(
            _("The file does not follow the %(version)s schema (line %(line)s: %(error)s).")
            % {"version": version, "line": error.line if error else "?", "error": error.message}
        )
    return _read(root, version)


def _read(root: etree._Element, version: str) -> ParsedFile:
    r = _Reader(etree.QName(root).namespace or "")
    report, statement = MESSAGES[version[:8]]
    entries: list[ParsedEntry] = []
    accounts: dict[str, str] = {}
    statement_ids: list[str] = []
    dates: list[datetime.date] = []
    for stmt in r.all(root, f"c:{report}/c:{statement}"):
        statement_ids.append(r.text(stmt, "c:Id"))
        account = r.text(stmt, "c:Acct/c:Id/c:IBAN", "c:Acct/c:Id/c:Othr/c:Id").replace(" ", "")
        currency = r.text(stmt, "c:Acct/c:Ccy") or (
            r.one(stmt, "c:Bal/c:Amt | c:Ntry/c:Amt").get("Ccy", "")
            if r.one(stmt, "c:Bal/c:Amt | c:Ntry/c:Amt") is not None
            else ""
        )
        accounts.setdefault(account, currency)
        for day in (r.text(stmt, "c:FrToDt/c:FrDtTm"), r.text(stmt, "c:FrToDt/c:ToDtTm")):
            if parsed := _date(day):
                dates.append(parsed)
        for ntry in r.all(stmt, "c:Ntry"):
            for entry in _entries(r, ntry, account=account, first=len(entries) + 1):
                entries.append(entry)
                dates.append(entry.booked_on)
    return ParsedFile(
        format=version,
        statement_ids=tuple(statement_ids),
        accounts=accounts,
        period_from=min(dates) if dates else None,
        period_to=max(dates) if dates else None,
        entries=entries,
    )


@dataclass(frozen=True)
class _Booking:
    """What one ``Ntry`` says for all of its transactions."""

    amount: Decimal
    currency: str
    booked_on: datetime.date
    value_on: datetime.date | None
    direction: str
    is_reversal: bool
    is_booked: bool
    bank_code: str
    reference: str


def _entries(r: _Reader, ntry: etree._Element, *, account: str, first: int) -> list[ParsedEntry]:
    """Return the bookings of one ``Ntry``: one per transaction of a batch, else one."""
    booking = _booking(r, ntry)
    details = r.all(ntry, "c:NtryDtls/c:TxDtls")
    # A batch booking lists its transactions with their own amounts; when any amount is missing
    # the entry stays one booking (its amount is the only one the bank vouches for).
    split = len(details) > 1 and all(_tx_amount(r, tx) is not None for tx in details)
    parts = details if split else [details[0] if details else None]
    return [
        _entry(r, ntry, tx, booking=booking, account=account, index=index, first=first, split=split)
        for index, tx in enumerate(parts)
    ]


def _booking(r: _Reader, ntry: etree._Element) -> _Booking:
    """Read the amount, dates, direction, status and codes of an ``Ntry``."""
    amount_element = r.one(ntry, "c:Amt")
    amount = _amount(amount_element.text or "") if amount_element is not None else None
    value_on = _date(r.text(ntry, "c:ValDt/c:Dt", "c:ValDt/c:DtTm"))
    booked_on = _date(r.text(ntry, "c:BookgDt/c:Dt", "c:BookgDt/c:DtTm")) or value_on
    if amount is None or booked_on is None:
        raise StatementError(
            _("A booking in the file has no amount or no date (line %(line)s).")
            % {"line": ntry.sourceline}
        )
    subfamily = r.text(ntry, "c:BkTxCd/c:Domn/c:Fmly/c:SubFmlyCd")
    bank_code = "/".join(
        part
        for part in (
            r.text(ntry, "c:BkTxCd/c:Domn/c:Cd"),
            r.text(ntry, "c:BkTxCd/c:Domn/c:Fmly/c:Cd"),
            subfamily,
        )
        if part
    ) or r.text(ntry, "c:BkTxCd/c:Prtry/c:Cd")
    return _Booking(
        amount=amount,
        currency=amount_element.get("Ccy", ""),
        booked_on=booked_on,
        value_on=value_on,
        direction=CREDIT if r.text(ntry, "c:CdtDbtInd") == "CRDT" else DEBIT,
        is_reversal=r.text(ntry, "c:RvslInd").lower() in {"true", "1"}
        or subfamily in RETURN_SUBFAMILIES,
        is_booked=r.text(ntry, "c:Sts/c:Cd", "c:Sts/c:Prtry", "c:Sts") in {"BOOK", ""},
        bank_code=bank_code,
        reference=r.text(ntry, "c:AcctSvcrRef"),
    )


def _entry(
    r: _Reader,
    ntry: etree._Element,
    tx: etree._Element | None,
    *,
    booking: _Booking,
    account: str,
    index: int,
    first: int,
    split: bool,
) -> ParsedEntry:
    """Return one booking: a transaction of a split batch, or the whole ``Ntry``."""
    tx_amount = _tx_amount(r, tx) if split and tx is not None else booking.amount
    reference = r.text(tx, "c:Refs/c:AcctSvcrRef") if split else ""
    if not reference and booking.reference:
        reference = f"{booking.reference}/{index + 1}" if split else booking.reference
    party = "Dbtr" if booking.direction == CREDIT else "Cdtr"
    ultimate = "UltmtDbtr" if booking.direction == CREDIT else "UltmtCdtr"
    # No transaction details at all: some banks put the purpose in AddtlNtryInf instead.
    remittance = (
        r.texts(tx, "c:RmtInf/c:Ustrd") if tx is not None else r.texts(ntry, "c:AddtlNtryInf")
    )
    end_to_end = r.text(tx, "c:Refs/c:EndToEndId")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    returned = tx is not None and r.one(tx, "c:RtrInf") is not None
    return ParsedEntry(
        account=account,
        position=first + index,
        booked_on=booking.booked_on,
        value_on=booking.value_on,
        amount=abs(tx_amount),
        currency=booking.currency,
        direction=booking.direction,
        is_reversal=booking.is_reversal or returned,
        is_booked=booking.is_booked,
        counterparty_name=r.text(
            tx,
            f"c:RltdPties/c:{party}/c:Pty/c:Nm",
            f"c:RltdPties/c:{party}/c:Nm",
            f"c:RltdPties/c:{ultimate}/c:Pty/c:Nm",
            f"c:RltdPties/c:{ultimate}/c:Nm",
        )[:140],
        counterparty_iban=r.text(tx, f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN").replace(" ", ""),
        remittance="\n".join(remittance)[:1000],
        references=_references(r, tx, end_to_end),
        end_to_end_id=end_to_end,
        bank_reference=reference[:80],
        bank_code=booking.bank_code[:35],
        posting_text=r.text(ntry, "c:AddtlNtryInf")[:140] if tx is not None else "",
    )


def _references(r: _Reader, tx: etree._Element | None, end_to_end: str) -> tuple[str, ...]:
    """Return the structured references of a transaction: end-to-end id, creditor reference,
    referred document numbers, additional remittance information."""
    if tx is None:
        return (end_to_end,) if end_to_end else ()
    return tuple(
        value
        for value in (
            end_to_end,
            *r.texts(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref"),
            *r.texts(tx, "c:RmtInf/c:Strd/c:RfrdDocInf/c:Nb"),
            *r.texts(tx, "c:RmtInf/c:Strd/c:AddtlRmtInf"),
        )
        if value
    )


def _tx_amount(r: _Reader, tx: etree._Element) -> Decimal | None:
    return _amount(r.text(tx, "c:Amt", "c:AmtDtls/c:TxAmt/c:Amt"))
