"""Read an uploaded client file into a plain table: CSV, Excel (XLSX) or vCard.

Whatever comes in, the result is a ``Table``: the file's own header names and rows of text
cells. Mapping those columns to client fields is ``clients.import_fields``' job. Every way a
file can be unreadable raises ``ImportFileError`` with a sentence for the freelancer (never a
500): empty files, binary garbage, a file too large, a zip bomb posing as a workbook.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
# A freelancer's whole client book (validation costs about 2 ms a row).
MAX_ROWS = 2000
MAX_COLUMNS = 200
MAX_CELL = 10_000
# An XLSX is a zip: refuse archives that unpack to more than this (a "zip bomb").
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
# Characters PostgreSQL, lxml or a browser choke on: C0 controls except tab and newlines.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DELIMITERS = (";", ",", "\t", "|")


class ImportFileError(Exception):
    """The file cannot be read; the message says why, in the freelancer's language."""


@dataclass
class Table:
    """A file as rows of text: ``headers`` as written in the file, then the data rows."""

    kind: str  # "csv", "xlsx" or "vcard"
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    # The line (CSV), row (XLSX) or card number (vCard) of each data row, for messages.
    lines: list[int] = field(default_factory=list)


def clean_cell(value: object) -> str:
    """Return a cell as trimmed text without control characters (pasted from Word or a PDF)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # Excel stores 10115 as 10115.0
    return CONTROL_CHARS.sub("", text).strip()[:MAX_CELL]


def table_read(*, raw: bytes, filename: str = "") -> Table:
    """Read ``raw`` as a vCard, an Excel workbook or a CSV file (in that order of evidence)."""
    if not raw or not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)d MB. Split it, or export fewer columns.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if raw[:4] == b"PK\x03\x04":
        return _read_xlsx(raw)
    if name.endswith(".xls") or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            _("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.")
        )
    text = _decode(raw)
    if re.match(r"\s*BEGIN:VCARD", text, re.IGNORECASE):
        return _read_vcard(text)
    return _read_csv(text)


# --- CSV ------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    """Return the text of a CSV or vCard: UTF-8 (with or without BOM), UTF-16 with BOM,
    Windows-1252, else Latin-1. Binary files are refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file claims to be UTF-16 but is not.")) from exc
    else:
        if b"\x00" in raw:
            raise ImportFileError(_binary_message())
        for encoding in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    # Text files hold few control characters; binary garbage decoded as Latin-1 holds many.
    controls = len(CONTROL_CHARS.findall(text))
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise ImportFileError(_binary_message())
    return text


def _binary_message() -> str:
    return _(
        "This file is not a table we can read. Upload a CSV file, an Excel workbook (.xlsx) "
        "or contacts as vCard (.vcf)."
    )


def sniff_delimiter(text: str) -> str:
    """Return the separator that splits the first lines into the same, largest number of cells."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines[:10], delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for count in counts if count == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(text: str) -> Table:
    text = text.lstrip("\ufeff")
    if text.lstrip().lower().startswith("sep="):  # Excel's "sep=;" first line
        first, _sep, rest = text.lstrip().partition("\n")
        delimiter = first.strip()[4:5] or ","
        text = rest
    else:
        delimiter = sniff_delimiter(text)
    csv.field_size_limit(MAX_CELL * 10)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        records = []
        start = 1
        for record in reader:
            records.append((start, record))  # the line the record starts on
            start = reader.line_num + 1
            if len(records) > MAX_ROWS + 1 + 1000:  # blank lines are skipped below
                break
    except csv.Error as exc:
        raise ImportFileError(
            _("The file is not valid CSV near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    records = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise ImportFileError(_("The file is empty."))
    _line, header = records[0]
    return _table("csv", header, records[1:])


def _table(kind: str, header: list[object], records: list[tuple[int, list[object]]]) -> Table:
    headers = [clean_cell(cell) for cell in header]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(
            _("The file has %(n)d columns; at most %(max)d can be read.")
            % {"n": len(headers), "max": MAX_COLUMNS}
        )
    if not any(headers):
        raise ImportFileError(_("The first line should name the columns, but it is empty."))
    table = Table(kind=kind, headers=headers)
    for line, record in records:
        cells = [clean_cell(cell) for cell in record]
        if not any(cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(n)d clients. Split it into smaller files.")
                % {"n": MAX_ROWS}
            )
        cells = (cells + [""] * len(headers))[: len(headers)]
        table.rows.append(cells)
        table.lines.append(line)
    if not table.rows:
        raise ImportFileError(_("The file names its columns but holds no clients."))
    return table


# --- Excel ----------------------------------------------------------------------------------


def _read_xlsx(raw: bytes) -> Table:
    """Read the first sheet of a workbook, read-only and with formulas as their cached values."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportFileError(_binary_message())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_binary_message()) from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(_("The workbook is too large to read. Save the sheet as CSV."))
    records: list[tuple[int, list[object]]] = []
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Read-only sheets parse lazily: damage or hostile XML shows while iterating.
            for number, row in enumerate(
                sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1
            ):
                if any(cell not in (None, "") for cell in row):
                    records.append((number, list(row)))
                if len(records) > MAX_ROWS + 1:
                    break
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl and defusedxml raise many kinds for a bad workbook
        raise ImportFileError(
            _("The workbook cannot be read (%(error)s). Save it again as .xlsx or CSV.")
            % {"error": type(exc).__name__}
        ) from exc
    if not records:
        raise ImportFileError(_("The file is empty."))
    _number, header = records[0]
    return _table("xlsx", header, records[1:])


# --- vCard ----------------------------------------------------------------------------------

# The columns a vCard becomes; their names are what the mapping and the messages show.
VCARD_COLUMNS = [
    "FN",
    "N:given",
    "N:family",
    "N:prefix",
    "ORG",
    "TITLE",
    "EMAIL",
    "TEL",
    "ADR:street",
    "ADR:code",
    "ADR:city",
    "ADR:country",
    "URL",
    "CATEGORIES",
    "NOTE",
]


def _read_vcard(text: str) -> Table:
    import vobject

    cards: list[tuple[int, list[object]]] = []
    try:
        for number, card in enumerate(vobject.readComponents(text, ignoreUnreadable=True), 1):
            if card.name != "VCARD":
                continue
            if len(cards) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(n)d clients. Split it into smaller files.")
                    % {"n": MAX_ROWS}
                )
            cards.append((number, _vcard_row(card)))
    except ImportFileError:
        raise
    except Exception as exc:  # vobject's ParseError and friends
        raise ImportFileError(
            _("The vCard file cannot be read: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    if not cards:
        raise ImportFileError(_("The vCard file holds no contacts."))
    return _table("vcard", list(VCARD_COLUMNS), cards)


def _first(card: object, name: str) -> object | None:
    items = getattr(card, "contents", {}).get(name.lower()) or []
    # A preferred value (TYPE=pref or PREF=1) first, else the first one written.
    for item in items:
        params = {
            key.upper(): [str(v).lower() for v in value] for key, value in item.params.items()
        }
        if "pref" in params.get("TYPE", []) or params.get("PREF"):
            return item.value
    return items[0].value if items else None


def _join(value: object, separator: str = " ") -> str:
    if isinstance(value, list | tuple):
        return separator.join(str(part).strip() for part in value if str(part).strip())
    return "" if value is None else str(value)


def _vcard_row(card: object) -> list[object]:
    name = _first(card, "n")
    address = _first(card, "adr")
    return [
        _join(_first(card, "fn")),
        _join(getattr(name, "given", "")),
        _join(getattr(name, "family", "")),
        _join(getattr(name, "prefix", "")),
        _join(_first(card, "org"), "; "),
        _join(_first(card, "title")),
        _join(_first(card, "email")),
        _join(_first(card, "tel")),
        _join(getattr(address, "street", ""), ", "),
        _join(getattr(address, "code", "")),
        _join(getattr(address, "city", "")),
        _join(getattr(address, "country", "")),
        _join(_first(card, "url")),
        _join(_first(card, "categories"), ", "),
        _join(_first(card, "note")),
    ]
