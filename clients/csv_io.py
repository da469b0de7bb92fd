"""CSV export of clients, and the vCard of one client.

The export writes one column per client field (codes as headers), which the import
(``clients.import_fields``) recognises, so an export imports again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from .models import CLIENT_EDITABLE_FIELDS, Client

# The name first: it is the one column every client has.
CLIENT_COLUMNS = ["name", *(field for field in CLIENT_EDITABLE_FIELDS if field != "name")]
CONTACT_COLUMNS = ["contact_name", "contact_role", "contact_email", "contact_phone"]
COLUMNS = [*CLIENT_COLUMNS, "tags", *CONTACT_COLUMNS]


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
        country = str(client.country.name) if client.country else ""  # in the reader's language
        address = ";".join(
            vcard_escape(part)
            for part in ("", "", client.street, client.city, "", client.postal_code, country)
        )
        lines.append(f"ADR;TYPE=WORK:{address}")
    if client.website:
        lines.append(f"URL:{vcard_escape(client.website)}")
    if client.salutation:
        lines.append(f"NOTE:{vcard_escape(_('Salutation') + ': ' + client.salutation)}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
