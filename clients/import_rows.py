"""Turn a mapped table into clients: preview what happens to each row, then do it, all or none.

``import_rows_build`` reads each row through the mapping, derives what the file only implies
(a company's name and its contact person, "Frau" + "Weber" as the salutation, the language from
the country), validates with the client form, and decides the row's fate:

* **create**: no client of this freelancer matches;
* **update**: a client matches by customer number, else by e-mail (archived ones too), and the
  file changes something; only fields the file fills are changed, tags are added, never removed;
* **skip**: the match is already up to date, or an earlier row of the file is the same client;
* **error**: the row cannot be imported; the message names the file's own column.

``import_commit`` runs the same pipeline again on the stored upload (nothing from the browser is
trusted) and writes every create and update in one transaction, or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.audit import audit_changes, audit_record, audit_snapshot
from crm.countries import country_code
from crm.models import AuditEntry

from .forms import ClientForm, ContactForm, clean_tag_names
from .import_fields import CHOICE_FIELDS, JOINED_TARGETS, SALUTATION_WORDS, TARGETS, choice_words
from .import_files import Table
from .models import CLIENT_EDITABLE_FIELDS, Client, Contact
from .services import AUDITED_FIELDS, clients_import, tags_resolve

CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"
GERMAN_SPEAKING = {"DE", "AT", "CH", "LI"}  # countries whose clients get German documents
MULTI_VALUE = re.compile(r"\s*:::\s*")  # Google Contacts joins several values with " ::: "


@dataclass
class ImportRow:
    """One row of the file and what the import would do with it."""

    line: int
    action: str = CREATE
    data: dict[str, Any] = field(default_factory=dict)  # every client field, cleaned
    given: list[str] = field(default_factory=list)  # the client fields the file fills
    tags: list[str] = field(default_factory=list)
    contact: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    client: Client | None = None  # the existing client an update or skip refers to
    changes: list[str] = field(default_factory=list)  # field names an update changes
    new_tags: list[str] = field(default_factory=list)

    def display(self, name: str) -> str:
        """Return a field's value as the freelancer reads it (labels, not codes)."""
        value = self.data.get(name, "")
        choices = CHOICE_FIELDS.get(name)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return str(value or "")

    @property
    def language_label(self) -> str:
        return self.display("language")

    @property
    def form_label(self) -> str:
        return self.display("form_of_address")

    @property
    def changes_label(self) -> str:
        """Return what an update changes, as field labels (and the tags and contact it adds)."""
        parts = [str(Client._meta.get_field(name).verbose_name) for name in self.changes]
        if self.new_tags:
            parts.append(_("tags %(names)s") % {"names": ", ".join(self.new_tags)})
        if self.contact:
            parts.append(_("contact person %(name)s") % {"name": self.contact["name"]})
        return ", ".join(parts)


def _cells(cells: list[str], mapping: dict[str, str], headers: list[str]) -> tuple[dict, dict]:
    """Return (target -> value, target -> the file's header names that fed it)."""
    values: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for index, target in sorted(mapping.items(), key=lambda item: int(item[0])):
        position = int(index)
        if target not in TARGETS or position >= len(cells):
            continue
        sources.setdefault(target, []).append(headers[position])
        value = cells[position]
        if value[:1] == "'" and value[1:2] in {"=", "+", "-", "@"}:
            value = value[1:]  # the text marker our export (and Excel) puts before a formula sign
        if not value:
            continue
        if target in JOINED_TARGETS:
            values[target] = JOINED_TARGETS[target].join(filter(None, [values.get(target), value]))
        elif not values.get(target):
            values[target] = MULTI_VALUE.split(value)[0].strip()
    return values, sources


def _quote(headers: list[str]) -> str:
    return " / ".join(f"“{header}”" for header in headers) if headers else ""


def _salutation(raw: str, title: str, last_name: str) -> str:
    """Return "Frau Dr. Weber" from "Frau", "Dr." and "Weber"; a full salutation as written."""
    if raw.casefold().rstrip(".") in {word.rstrip(".") for word in SALUTATION_WORDS}:
        return " ".join(part for part in (raw, title, last_name) if part)
    return raw


def _names(values: dict[str, str], data: dict[str, Any], given: set[str]) -> str:
    """Fill the client's name and kind into ``data`` (a company's name, else the name or the
    person's); return the contact person's name (a company's person, or a named contact)."""
    person = " ".join(filter(None, [values.get("first_name"), values.get("last_name")]))
    company = values.get("company", "")
    name = values.get("name", "")
    if company:
        data["name"] = company
        data["kind"] = Client.Kind.COMPANY
        given.update({"name", "kind"})
        return values.get("contact_name") or person or (name if name != company else "")
    data["name"] = name or person
    if data["name"]:
        given.add("name")
    if values.get("kind") is None and (person or _is_title_word(values.get("salutation", ""))):
        data["kind"] = Client.Kind.PERSON
        given.add("kind")
    return values.get("contact_name", "")


def _field_value(
    target: str,
    value: str,
    sources: dict[str, list[str]],
    aliases: dict[str, dict[str, str]],
    errors: list[str],
) -> str | None:
    """Return the cell ``value`` as the client field ``target`` stores it (a choice's code, a
    country's code, the days' digits), or ``None`` with the reason added to ``errors``."""
    if target in CHOICE_FIELDS:
        code = aliases[target].get(value.casefold()) or aliases[target].get(
            re.sub(r"[^a-z]", "", value.casefold())
        )
        if code is None:
            labels = ", ".join(str(label) for _value, label in CHOICE_FIELDS[target].choices)
            errors.append(
                _("%(column)s: “%(value)s” is not one of %(choices)s.")
                % {"column": _quote(sources[target]), "value": value, "choices": labels}
            )
        return code
    if target == "country":
        code = country_code(value)
        if not code:
            errors.append(
                _(
                    "%(column)s: “%(value)s” is not a country we know: write its name "
                    "(German or English) or its two-letter code, e.g. DE."
                )
                % {"column": _quote(sources[target]), "value": value}
            )
            return None
        return code
    if target == "payment_terms_days":
        digits = re.search(r"\d+", value)
        return digits.group() if digits else value
    return value


def _tags(row: ImportRow, values: dict[str, str], sources: dict[str, list[str]]) -> None:
    """Set the row's tags from the tags cell (Google's system groups left out)."""
    if not values.get("tags"):
        return
    names = [
        part
        for part in re.split(r"\s*(?::::|[,;|])\s*", values["tags"])
        if part and not part.startswith("*")  # Google's system groups (* myContacts)
    ]
    try:
        row.tags = clean_tag_names(", ".join(names))
    except Exception as exc:  # ValidationError
        row.errors.append(f"{_quote(sources['tags'])}: {' '.join(exc.messages)}")


def _contact(
    row: ImportRow, values: dict[str, str], sources: dict[str, list[str]], contact_person: str
) -> None:
    """Set the row's contact person, checked by the contact form (its errors name the columns)."""
    company = values.get("company", "")
    contact = {
        "name": contact_person,
        "role": values.get("contact_role", ""),
        "email": values.get("contact_email", "") or (values.get("email", "") if company else ""),
        "phone": values.get("contact_phone", ""),
    }
    if not (contact["name"] or values.get("contact_email") or values.get("contact_phone")):
        return
    contact["name"] = contact["name"] or row.data.get("name", "")
    contact_form = ContactForm(data={**contact, "is_primary": True})
    if contact_form.is_valid():
        row.contact = {**contact, "is_primary": True}
        return
    contact_sources = {
        "name": sources.get("contact_name") or sources.get("first_name", []),
        "role": sources.get("contact_role", []),
        "email": sources.get("contact_email") or sources.get("email", []),
        "phone": sources.get("contact_phone", []),
    }
    for name, errors in contact_form.errors.items():
        label = _quote(contact_sources.get(name, [])) or str(TARGETS["contact_name"])
        row.errors.extend(f"{label}: {error}" for error in errors)


def _row(
    line: int,
    values: dict[str, str],
    sources: dict[str, list[str]],
    aliases: dict[str, dict[str, str]],
) -> ImportRow:
    row = ImportRow(line=line)
    company = values.get("company", "")
    data: dict[str, Any] = {}
    given: set[str] = set()
    contact_person = _names(values, data, given)
    last_name = (
        values.get("last_name")
        or ((contact_person if company else data["name"]).split()[-1:] or [""])[0]
    )
    if values.get("salutation"):
        data["salutation"] = _salutation(values["salutation"], values.get("title", ""), last_name)
        given.add("salutation")
    for target in CLIENT_EDITABLE_FIELDS:
        if target in {"name", "salutation"} or target not in values:
            continue
        if target == "kind" and company:
            continue
        value = _field_value(target, values[target], sources, aliases, row.errors)
        if value is None:
            continue
        data[target] = value
        given.add(target)
    if "language" not in given and data.get("country"):
        data["language"] = "de" if data["country"] in GERMAN_SPEAKING else "en"
        given.add("language")
    if not data.get("name"):
        row.errors.append(
            _("No name: fill in %(columns)s.")
            % {"columns": _quote(_name_sources(sources)) or _("a column for the name")}
        )
    row.data = data
    row.given = [name for name in CLIENT_EDITABLE_FIELDS if name in given]
    _tags(row, values, sources)
    _contact(row, values, sources, contact_person)
    return row


def _differs(name: str, client: Client, value: Any) -> bool:
    before, after = str(getattr(client, name)), str(value)
    if name == "email":  # addresses compare without case
        return before.casefold() != after.casefold()
    return before != after


def _name_sources(sources: dict[str, list[str]]) -> list[str]:
    targets = ("name", "company", "first_name", "last_name")
    return [header for target in targets for header in sources.get(target, [])]


def _is_title_word(value: str) -> bool:
    return value.casefold().rstrip(".") in {word.rstrip(".") for word in SALUTATION_WORDS}


def _validate(row: ImportRow, sources: dict[str, list[str]], base: dict[str, Any]) -> None:
    """Run the client form over the row (on top of ``base``: defaults or the existing client)."""
    data = {**base, **{name: row.data[name] for name in row.given}}
    data["payment_terms_days"] = str(data.get("payment_terms_days") or "14")
    form = ClientForm(data={**data, "tag_names": ""})
    if not form.is_valid():
        for name, errors in form.errors.items():
            if name in {"tag_names", "__all__"} or (name == "name" and not data.get("name")):
                continue  # a missing name is explained once, in words (see _row)
            feeding = sources.get(name) or (_name_sources(sources) if name == "name" else [])
            label = _quote(feeding) or str(TARGETS.get(name, name))
            row.errors.extend(f"{label}: {error}" for error in errors)
        return
    row.data = {name: form.cleaned_data[name] for name in CLIENT_EDITABLE_FIELDS}


def _defaults() -> dict[str, Any]:
    return {
        name: Client._meta.get_field(name).default
        if Client._meta.get_field(name).has_default()
        else ""
        for name in CLIENT_EDITABLE_FIELDS
    }


def import_rows_build(*, user: Any, table: Table, mapping: dict[str, str]) -> list[ImportRow]:
    """Return what the import would do with each row of ``table``. Read-only (a few queries)."""
    aliases = {name: choice_words(name) for name in CHOICE_FIELDS}
    prepared = []
    for line, cells in zip(table.lines, table.rows, strict=True):
        values, sources = _cells(cells, mapping, table.headers)
        prepared.append((_row(line, values, sources, aliases), sources))
    numbers = {row.data.get("customer_number") for row, _s in prepared} - {None, ""}
    emails = {str(row.data.get("email", "")).casefold() for row, _s in prepared} - {""}
    owned = Client.objects.owned_by(user).prefetch_related("tags", "contacts")
    by_number = {c.customer_number: c for c in owned.filter(customer_number__in=numbers)}
    by_email: dict[str, Client] = {}
    with_email = owned.annotate(email_ci=Lower("email")).filter(email_ci__in=emails)
    for client in with_email.order_by("pk"):
        by_email.setdefault(client.email_ci, client)
    seen: dict[tuple[str, str], int] = {}
    defaults = _defaults()
    rows = []
    for row, sources in prepared:
        number = str(row.data.get("customer_number") or "")
        email = str(row.data.get("email") or "").casefold()
        keys = [key for key in (("number", number), ("email", email)) if key[1]]
        earlier = next((seen[key] for key in keys if key in seen), None)
        match = by_number.get(number) if number else None
        match = match or (by_email.get(email) if email else None)
        if match is not None:
            row.client = match
            _validate(row, sources, {n: getattr(match, n) for n in CLIENT_EDITABLE_FIELDS})
        else:
            _validate(row, sources, defaults)
        rows.append(row)
        if row.errors:
            row.action = ERROR
            continue
        if earlier is not None:
            row.action = SKIP
            row.notes.append(_("The same client as line %(line)d.") % {"line": earlier})
            continue
        for key in keys:
            seen[key] = row.line
        if match is None:
            row.action = CREATE
            continue
        row.changes = [name for name in row.given if _differs(name, match, row.data[name])]
        have = {tag.name.casefold() for tag in match.tags.all()}
        row.new_tags = [tag for tag in row.tags if tag.casefold() not in have]
        if row.contact and any(
            (c.email and c.email.casefold() == row.contact["email"].casefold())
            or c.name.casefold() == row.contact["name"].casefold()
            for c in match.contacts.all()
        ):
            row.contact = None
        if row.changes or row.new_tags or row.contact:
            row.action = UPDATE
        else:
            row.action = SKIP
            row.notes.append(_("Already up to date."))
    return rows


class ImportRefused(Exception):
    """The import cannot be done as it stands (rows with errors); nothing was saved."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0


def import_commit(
    *, user: Any, table: Table, mapping: dict[str, str], skip_errors: bool = False
) -> ImportResult:
    """Create and update the clients of the file in one transaction, or nothing.

    Rows with errors refuse the whole import unless ``skip_errors`` (the freelancer chose to leave
    them out). Not idempotent: the caller deletes the upload in the same transaction.
    """
    rows = import_rows_build(user=user, table=table, mapping=mapping)
    bad = [row for row in rows if row.action == ERROR]
    if bad and not skip_errors:
        raise ImportRefused(
            _("Line %(line)d: %(error)s") % {"line": bad[0].line, "error": bad[0].errors[0]}
        )
    result = ImportResult(skipped=sum(1 for row in rows if row.action in {SKIP, ERROR}))
    creates = [row for row in rows if row.action == CREATE]
    updates = [row for row in rows if row.action == UPDATE]
    with transaction.atomic():
        created = clients_import(
            user=user,
            rows=[
                {"data": dict(row.data), "tags": row.tags, "contact": row.contact}
                for row in creates
            ],
        )
        result.created = len(created)
        tags = {
            tag.name.casefold(): tag
            for tag in tags_resolve(
                user=user, names=list(dict.fromkeys(t for row in updates for t in row.new_tags))
            )
        }
        for row in updates:
            client: Client = row.client  # type: ignore[assignment]  # an update has its client
            before = audit_snapshot(client, AUDITED_FIELDS)
            for name in row.changes:
                setattr(client, name, row.data[name])
            if row.changes:
                client.save(update_fields=[*row.changes, "updated_at"])
            if row.new_tags:
                client.tags.add(*(tags[t.casefold()] for t in row.new_tags))
            if row.contact:
                is_primary = not client.contacts.exists()
                Contact.objects.create(client=client, **{**row.contact, "is_primary": is_primary})
            changes = audit_changes(before, audit_snapshot(client, AUDITED_FIELDS))
            if row.new_tags:
                changes["tags"] = ["", ", ".join(row.new_tags)]
            audit_record(
                owner=user, actor=user, action=AuditEntry.Action.UPDATE, obj=client, changes=changes
            )
            result.updated += 1
    return result
