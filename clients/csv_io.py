"""CSV import and export of clients, and the vCard of one client.

Import runs in two steps: ``csv_parse`` reads and validates an upload into plain rows (JSON-safe,
kept in the session between preview and confirm), and ``csv_import_commit`` creates every client
in one transaction, or none. Export writes the same columns, so an export imports again.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from .forms import ContactForm, clean_tag_names
from .models import CLIENT_EDITABLE_FIELDS, Cadence, Client
from .services import clients_import

# A freelancer's whole client book; validation costs about 2 ms per row (the client form).
MAX_ROWS = 2000
# The name first: it is the one required column.
CLIENT_COLUMNS = ["name", *(field for field in CLIENT_EDITABLE_FIELDS if field != "name")]
CONTACT_COLUMNS = ["contact_name", "contact_role", "contact_email", "contact_phone"]
COLUMNS = [*CLIENT_COLUMNS, "tags", *CONTACT_COLUMNS]
REQUIRED_COLUMNS = ["name"]
# Words people type instead of the codes (German Excel sheets, the labels of the form).
ALIASES = {
    "language": {"deutsch": "de", "german": "de", "englisch": "en", "english": "en"},
    "form_of_address": {
        "sie": "formal",
        "formell": "formal",
        "du": "informal",
        "casual": "informal",
        "informell": "informal",
    },
    "kind": {"person": "person", "firma": "company", "unternehmen": "company"},
}
CHOICE_FIELDS = {
    "kind": Client.Kind,
    "language": Client.Language,
    "form_of_address": Client.FormOfAddress,
    "preferred_channel": Client.Channel,
    "status": Client.Status,
    "relationship": Client.Relationship,
    "update_cadence": Cadence,
}


class CsvFormatError(Exception):
    """The file cannot be read as a client CSV; the message says why, for the freelancer."""


@dataclass
class ParsedRow:
    """One data row: its line number, its cleaned values, errors and warnings."""

    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "values": self.values,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def csv_decode(raw: bytes) -> str:
    """Return the text of an upload in UTF-8 (with or without BOM) or Windows-1252.

    UTF-16 with a BOM (Excel's "Unicode text") is read too.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CsvFormatError(_("The file claims to be UTF-16 but is not.")) from exc
        if "\x00" in text:  # PostgreSQL text cannot hold NUL: refuse, never a 500 later
            raise CsvFormatError(_("This does not look like a CSV file (it contains binary data)."))
        return text
    if b"\x00" in raw:  # anywhere in the file, not only near the start
        raise CsvFormatError(_("This does not look like a CSV file (it contains binary data)."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            _("The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8” and retry.")
        ) from exc


def csv_sniff_delimiter(header_line: str) -> str:
    """Return the separator of the header: ';' (German Excel), ',' or a tab."""
    return max((",", ";", "\t"), key=header_line.count)


def csv_parse(*, user: Any, raw: bytes) -> list[ParsedRow]:
    """Read and validate an upload; return one ParsedRow per data line. Read-only.

    Raises ``CsvFormatError`` for a file that is not a client CSV at all (encoding, columns).
    """
    text = csv_decode(raw)
    if not text.strip():
        raise CsvFormatError(_("The file is empty."))
    header_line = text.lstrip().splitlines()[0]
    reader = csv.reader(io.StringIO(text.lstrip()), delimiter=csv_sniff_delimiter(header_line))
    try:
        header = [_column_key(cell) for cell in next(reader)]
        records = list(reader)
    except csv.Error as exc:
        raise CsvFormatError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    unknown = [name for name in header if name and name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(_("Missing column: %(names)s.") % {"names": ", ".join(missing)})
        if unknown:
            parts.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
        parts.append(_("Expected columns: %(names)s.") % {"names": ", ".join(COLUMNS)})
        raise CsvFormatError(" ".join(parts))
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise CsvFormatError(
            _("Columns appear twice: %(names)s.") % {"names": ", ".join(duplicates)}
        )
    rows: list[ParsedRow] = []
    for offset, record in enumerate(records):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvFormatError(_("At most %(n)d clients per import.") % {"n": MAX_ROWS})
        line = offset + 2
        if len(record) > len(header):
            row = ParsedRow(line=line, values={})
            row.errors.append(
                _("%(found)d cells, but the header has %(expected)d columns.")
                % {"found": len(record), "expected": len(header)}
            )
            rows.append(row)
            continue
        values = {
            name: (record[index].strip() if index < len(record) else "")
            for index, name in enumerate(header)
            if name
        }
        rows.append(_validate_row(line, values))
    if not rows:
        raise CsvFormatError(_("The file has a header but no clients."))
    _mark_duplicates(user=user, rows=rows)
    return rows


def _column_key(cell: str) -> str:
    key = cell.strip().strip("\ufeff").lower().replace("-", "_").replace(" ", "_")
    return {"e_mail": "email", "tag": "tags"}.get(key, key)


def _validate_row(line: int, values: dict[str, str]) -> ParsedRow:
    from .forms import ClientForm

    row = ParsedRow(line=line, values=values)
    data = {name: values.get(name, "") for name in CLIENT_COLUMNS}
    for name, choices in CHOICE_FIELDS.items():
        value = data[name].strip()
        value = ALIASES.get(name, {}).get(value.lower(), value.lower())
        data[name] = value or _default(name)
        if data[name] not in choices.values:
            row.errors.append(
                _("%(column)s: “%(value)s” is not one of %(choices)s.")
                % {
                    "column": name,
                    "value": values.get(name, ""),
                    "choices": ", ".join(choices.values),
                }
            )
    data["payment_terms_days"] = data["payment_terms_days"] or "14"
    form = ClientForm(data=data)
    if not form.is_valid():
        for name, errors in form.errors.items():
            if name in CHOICE_FIELDS:
                continue  # already reported above, in words that name the allowed codes
            label = name if name != "__all__" else _("row")
            row.errors.extend(f"{label}: {error}" for error in errors)
    else:
        row.values.update({name: str(form.cleaned_data[name]) for name in CLIENT_COLUMNS})
    try:
        row.values["tags"] = ", ".join(clean_tag_names(values.get("tags", "")))
    except Exception as exc:  # ValidationError: message for the row
        row.errors.append(f"tags: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
    contact = {name.removeprefix("contact_"): values.get(name, "") for name in CONTACT_COLUMNS}
    if any(contact.values()):
        contact_form = ContactForm(data={**contact, "is_primary": True})
        if not contact_form.is_valid():
            for name, errors in contact_form.errors.items():
                row.errors.extend(f"contact_{name}: {error}" for error in errors)
    return row


def _default(name: str) -> str:
    return str(Client._meta.get_field(name).default)


def _mark_duplicates(*, user: Any, rows: list[ParsedRow]) -> None:
    """Warn about e-mails that appear twice in the file or belong to an existing client."""
    emails = {row.values.get("email", "").lower() for row in rows} - {""}
    existing: dict[str, tuple[int, str]] = {}
    if emails:
        for pk, name, email in (
            Client.objects.owned_by(user)
            .annotate(email_ci=Lower("email"))
            .filter(Q(email_ci__in=emails))
            .values_list("pk", "name", "email_ci")
        ):
            existing.setdefault(email, (pk, name))
    first_line: dict[str, int] = {}
    for row in rows:
        email = row.values.get("email", "").lower()
        if not email:
            continue
        if email in existing:
            pk, name = existing[email]
            row.warnings.append({"kind": "existing", "email": email, "client_id": pk, "name": name})
        if email in first_line:
            row.warnings.append({"kind": "in_file", "email": email, "line": first_line[email]})
        else:
            first_line[email] = row.line


def csv_import_commit(*, user: Any, rows: Iterable[dict[str, Any]]) -> list[Client]:
    """Create every client of a validated import in one transaction; all or nothing.

    Re-validates each row (the session copy is not trusted); any error raises CsvFormatError
    and nothing is saved. Not idempotent: confirming twice imports twice (the view forgets the
    upload after the first commit).
    """
    rows = list(rows)
    checked = [_validate_row(int(row["line"]), dict(row["values"])) for row in rows]
    bad = [row for row in checked if row.errors]
    if bad:
        raise CsvFormatError(
            _("Line %(line)d: %(error)s") % {"line": bad[0].line, "error": bad[0].errors[0]}
        )
    items = []
    for row in checked:
        values = row.values
        data: dict[str, Any] = {name: values[name] for name in CLIENT_COLUMNS}
        data["payment_terms_days"] = int(data["payment_terms_days"])
        contact = None
        if any(values.get(name) for name in CONTACT_COLUMNS):
            contact = {
                "name": values.get("contact_name", "") or data["name"],
                "role": values.get("contact_role", ""),
                "email": values.get("contact_email", ""),
                "phone": values.get("contact_phone", ""),
                "is_primary": True,
            }
        items.append(
            {"data": data, "tags": clean_tag_names(values.get("tags", "")), "contact": contact}
        )
    return clients_import(user=user, rows=items)


# --- Export --------------------------------------------------------------------------------


def csv_export(*, clients: Iterable[Client], delimiter: str = ";") -> str:
    """Return the clients as CSV text with the import columns (prefetch tags and contacts)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for client in clients:
        contacts = list(client.contacts.all())
        contact = next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)
        writer.writerow(
            [
                *(_cell(getattr(client, name)) for name in CLIENT_COLUMNS),
                _cell(", ".join(tag.name for tag in client.tags.all())),
                _cell(contact.name if contact else ""),
                _cell(contact.role if contact else ""),
                _cell(contact.email if contact else ""),
                _cell(contact.phone if contact else ""),
            ]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    # A cell starting with = + - @ is a formula to Excel (CSV injection): quote it as text.
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _looks_like_phone(text):
        return "'" + text
    return text


def _looks_like_phone(text: str) -> bool:
    return text.startswith("+") and all(ch.isdigit() or ch in " ()/.-+" for ch in text)


# --- vCard ---------------------------------------------------------------------------------


def vcard_escape(value: str) -> str:
    """Escape a vCard 3.0 text value (RFC 2426: backslash, comma, semicolon, newline)."""
    return (
        (value or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def vcard_for(client: Client) -> str:
    """Return the client as a vCard 3.0 (primary contact as the person for a company)."""
    contacts = list(client.contacts.all())
    contact = next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)
    if client.kind == Client.Kind.PERSON:
        full_name = client.name
    else:
        full_name = contact.name if contact else client.name
    parts = full_name.split()
    family = parts[-1] if parts else ""
    given = " ".join(parts[:-1])
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{vcard_escape(full_name)}",
        f"N:{vcard_escape(family)};{vcard_escape(given)};;;",
    ]
    if client.kind == Client.Kind.COMPANY:
        lines.append(f"ORG:{vcard_escape(client.name)}")
        if contact and contact.role:
            lines.append(f"TITLE:{vcard_escape(contact.role)}")
    for email in dict.fromkeys(e for e in (client.email, contact and contact.email) if e):
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(email)}")
    for phone in dict.fromkeys(p for p in (client.phone, contact and contact.phone) if p):
        lines.append(f"TEL;TYPE=WORK,VOICE:{vcard_escape(phone)}")
    if client.street or client.city or client.postal_code:
        address = ";".join(
            vcard_escape(part)
            for part in ("", "", client.street, client.city, "", client.postal_code, client.country)
        )
        lines.append(f"ADR;TYPE=WORK:{address}")
    if client.website:
        lines.append(f"URL:{vcard_escape(client.website)}")
    if client.salutation:
        lines.append(f"NOTE:{vcard_escape(_('Salutation') + ': ' + client.salutation)}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
