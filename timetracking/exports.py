"""CSV and XLSX export of time entries, safe to open in a spreadsheet.

A text cell that starts with = + - @ (or a tab or carriage return) would be run as a formula
by Excel or LibreOffice (CSV injection): in CSV such a cell is prefixed with an apostrophe; in
XLSX every text cell is written as a string (never a formula) and gets the same prefix, so it
stays harmless even when someone edits the cell later. Numbers and dates are real numbers and
dates, not text.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from .models import TimeEntry

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Return ``value`` as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS):
        return "'" + text
    return text


def columns() -> list[str]:
    return [
        _("Date"),
        _("Start"),
        _("End"),
        _("Hours"),
        _("Client"),
        _("Project"),
        _("Milestone"),
        _("Description"),
        _("Billable"),
        _("Hourly rate"),
        _("Amount"),
        _("Invoice"),
    ]


def rows(entries: Iterable[TimeEntry]) -> Iterable[list[Any]]:
    """Yield one row per entry: dates, local times, numbers and (unsafe) texts."""
    zone = timezone.get_current_timezone()
    for entry in entries:
        start = entry.started_at.astimezone(zone).strftime("%H:%M") if entry.started_at else ""
        end = entry.ended_at.astimezone(zone).strftime("%H:%M") if entry.ended_at else ""
        amount = (
            (entry.hours * entry.hourly_rate).quantize(Decimal("0.01"))
            if (entry.hourly_rate is not None and entry.is_billable)
            else None
        )
        yield [
            entry.work_on,
            start,
            end,
            entry.hours,
            entry.project.client.name,
            entry.project.title,
            entry.milestone.title if entry.milestone else "",
            entry.description,
            _("yes") if entry.is_billable else _("no"),
            entry.hourly_rate,
            amount,
            entry.invoice.number if entry.invoice and entry.invoice.number else "",
        ]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return safe_text(value)


def entries_csv(entries: Iterable[TimeEntry], *, delimiter: str = ";") -> str:
    """Return the entries as CSV text (semicolon-separated, as German spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns())
    for row in rows(entries):
        writer.writerow([_csv_value(value) for value in row])
    return out.getvalue()


def entries_xlsx(entries: Iterable[TimeEntry]) -> bytes:
    """Return the entries as an XLSX workbook (openpyxl, write-only)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("Time")[:31])
    sheet.append(columns())
    from openpyxl.cell import WriteOnlyCell

    for row in rows(entries):
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=safe_text(value))
                cell.data_type = TYPE_STRING  # never a formula, whatever the text
            elif isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=float(value))
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
