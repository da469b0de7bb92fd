"""Services of the clients app: clients, their notes, the list query and the history hints.

Views, the CSV import, the demo data and other apps call these functions; every write that
concerns a client goes to the audit log (``crm.audit``) and, for notes and status changes, to the
client's timeline (``timeline.services.activity_record``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.audit import audit_changes, audit_record, audit_snapshot
from crm.models import AuditEntry
from timeline.services import activity_record

from . import events
from .models import CLIENT_EDITABLE_FIELDS, Client, Contact, Note, Tag

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "status": ("status", "name", "pk"),
    "-status": ("-status", "name", "pk"),
}
# Fields of a client the audit log follows (everything the freelancer edits).
AUDITED_FIELDS = [*CLIENT_EDITABLE_FIELDS, "archived_at"]


class ClientInUseError(Exception):
    """The client has projects or invoices and cannot be deleted (archive it instead)."""


# --- Clients -------------------------------------------------------------------------------


def client_search(
    *,
    user: Any,
    query: str = "",
    status: str = "",
    relationship: str = "",
    tag: str = "",
    sort: str = "name",
    include_archived: bool = False,
) -> QuerySet[Client]:
    """Return the user's clients matching the list filters, sorted; read-only.

    Search covers name, company, e-mail, contact names and e-mails, and tag names. Related
    matches use EXISTS subqueries, so a client never appears twice and no DISTINCT is needed.
    """
    clients = Client.objects.owned_by(user)
    if not include_archived:
        clients = clients.active()
    if status:
        clients = clients.filter(status=status)
    if relationship:
        clients = clients.filter(relationship=relationship)
    if tag:
        clients = clients.filter(
            Exists(Client.tags.through.objects.filter(client_id=OuterRef("pk"), tag__name=tag))
        )
    for word in query.split()[:5]:
        contact_match = Contact.objects.filter(client_id=OuterRef("pk")).filter(
            Q(name__icontains=word) | Q(email__icontains=word) | Q(role__icontains=word)
        )
        tag_match = Client.tags.through.objects.filter(
            client_id=OuterRef("pk"), tag__name__icontains=word
        )
        clients = clients.filter(
            Q(name__icontains=word)
            | Q(email__icontains=word)
            | Q(salutation__icontains=word)
            | Q(city__icontains=word)
            | Exists(contact_match)
            | Exists(tag_match)
        )
    return clients.order_by(*SORTS.get(sort, SORTS["name"]))


def client_create(
    *,
    user: Any,
    data: dict[str, Any],
    tags: Iterable[Tag] = (),
    contacts: Iterable[dict[str, Any]] = (),
) -> Client:
    """Create a client with its tags and contacts and audit it. Not idempotent (one per call)."""
    with transaction.atomic():
        client = Client(owner=user, **data)
        client.full_clean()
        client.save()
        client.tags.set(list(tags))
        Contact.objects.bulk_create([Contact(client=client, **contact) for contact in contacts])
        audit_record(
            owner=user,
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=client,
            changes=audit_changes({}, audit_snapshot(client, AUDITED_FIELDS)),
        )
    return client


def clients_import(*, user: Any, rows: Iterable[dict[str, Any]]) -> list[Client]:
    """Create many validated clients with tags and one contact each; all or nothing.

    Each row is ``{"data": {...client fields}, "tags": [names], "contact": {...} | None}``,
    already validated (the CSV import runs the client form on every row). Bulk inserts keep a
    full import to a few queries per batch; every client still gets its audit entry. Not idempotent.
    """
    rows = list(rows)
    with transaction.atomic():
        names = list(dict.fromkeys(name for row in rows for name in row["tags"]))
        tags = {tag.name.lower(): tag for tag in tags_resolve(user=user, names=names)}
        clients = Client.objects.bulk_create(
            [Client(owner=user, **row["data"]) for row in rows], batch_size=500
        )
        Client.tags.through.objects.bulk_create(
            [
                Client.tags.through(client_id=client.pk, tag_id=tags[name.lower()].pk)
                for client, row in zip(clients, rows, strict=True)
                for name in dict.fromkeys(row["tags"])
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        Contact.objects.bulk_create(
            [
                Contact(client=client, **row["contact"])
                for client, row in zip(clients, rows, strict=True)
                if row.get("contact")
            ],
            batch_size=1000,
        )
        for client, row in zip(clients, rows, strict=True):
            after = audit_snapshot(client, AUDITED_FIELDS)
            after["tags"] = ", ".join(row["tags"])
            audit_record(
                owner=user,
                actor=user,
                action=AuditEntry.Action.CREATE,
                obj=client,
                changes=audit_changes({}, after),
            )
    return clients


def client_save_form(*, user: Any, form: Any, contact_formset: Any) -> Client:
    """Save a validated client form and its contact formset in one transaction, with audit.

    Records a status change on the timeline. Safe to run twice with the same data (the second
    run changes nothing and audits nothing).
    """
    from timeline.models import Activity

    is_new = form.instance.pk is None
    before = {} if is_new else audit_snapshot(Client.objects.get(pk=form.instance.pk))
    before = {key: before[key] for key in AUDITED_FIELDS if key in before}
    with transaction.atomic():
        client = form.save(commit=False)
        client.owner = user
        if client.country:  # chosen from the list: the flag of a text not recognised goes
            client.country_unrecognised = ""
        client.save()
        form.save_m2m()
        tags_before = {tag.name for tag in client.tags.all()} if not is_new else set()
        tags = tags_resolve(user=user, names=form.cleaned_data.get("tag_names", []))
        client.tags.set(tags)
        if {tag.name for tag in tags} != tags_before:
            before["tags"] = ", ".join(sorted(tags_before))
        contact_formset.instance = client
        contact_formset.save()
        after = audit_snapshot(client, AUDITED_FIELDS)
        if "tags" in before or is_new:
            after["tags"] = ", ".join(sorted(tag.name for tag in tags))
        changes = audit_changes(before, after)
        if is_new:
            audit_record(
                owner=user, actor=user, action=AuditEntry.Action.CREATE, obj=client, changes=changes
            )
        elif changes or contact_formset.has_changed() or form.has_changed():
            audit_record(
                owner=user, actor=user, action=AuditEntry.Action.UPDATE, obj=client, changes=changes
            )
        if not is_new and "status" in changes:
            old, new = changes["status"]
            activity_record(
                client=client,
                kind=Activity.Kind.STATUS,
                summary=f"{Client.Status(old).label} → {Client.Status(new).label}",
            )
            # A paused client gets no automatic message (communications holds them).
            events.client_status_changed.send(
                sender=Client, client=client, old=old, new=new, actor=user
            )
    return client


def _archived_at_set(
    *, user: Any, client: Client, archived_at: datetime.datetime | None, action: str
) -> Client:
    """Archive (a time) or bring back (``None``) the client with its audit entry; a client
    already in that state is left alone."""
    if (client.archived_at is None) == (archived_at is None):
        return client
    change = [when.isoformat() if when else None for when in (client.archived_at, archived_at)]
    with transaction.atomic():
        client.archived_at = archived_at
        client.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            owner=user, actor=user, action=action, obj=client, changes={"archived_at": change}
        )
    return client


def client_archive(*, user: Any, client: Client) -> Client:
    """Archive the client (hidden from lists, kept with its history). Safe to run twice."""
    return _archived_at_set(
        user=user, client=client, archived_at=timezone.now(), action=AuditEntry.Action.ARCHIVE
    )


def client_unarchive(*, user: Any, client: Client) -> Client:
    """Bring an archived client back into the lists. Safe to run twice."""
    return _archived_at_set(
        user=user, client=client, archived_at=None, action=AuditEntry.Action.UPDATE
    )


def client_is_deletable(*, client: Client) -> bool:
    """Return whether the client has no projects and no invoices (both protect it)."""
    # The reverse relations of the apps above (projects) protect the client; no import needed.
    return not (client.projects.exists() or client.invoices.exists())


def client_delete(*, user: Any, client: Client) -> None:
    """Delete the client with its contacts, notes and timeline; audit it. Not reversible.

    Raises ``ClientInUseError`` when projects or invoices protect it (nothing is deleted then).
    """
    try:
        with transaction.atomic():
            audit_record(
                owner=user,
                actor=user,
                action=AuditEntry.Action.DELETE,
                obj=client,
                changes={
                    key: [value, None]
                    for key, (_none, value) in audit_changes(
                        {}, audit_snapshot(client, AUDITED_FIELDS)
                    ).items()
                },
            )
            client.delete()
    except ProtectedError as exc:
        raise ClientInUseError(str(client)) from exc


def tags_resolve(*, user: Any, names: Iterable[str]) -> list[Tag]:
    """Return the user's tags with these names, creating missing ones. Safe to run twice.

    Names match case-insensitively ("agentur" finds "Agentur"), as the unique constraint does.
    """
    names = list(names)
    if not names:
        return []
    existing = {tag.name.lower(): tag for tag in Tag.objects.owned_by(user)}
    missing = [name for name in names if name.lower() not in existing]
    if missing:
        Tag.objects.bulk_create(
            [Tag(owner=user, name=name) for name in missing], ignore_conflicts=True
        )
        existing = {tag.name.lower(): tag for tag in Tag.objects.owned_by(user)}
    return [existing[name.lower()] for name in names if name.lower() in existing]


# --- Relationship hint ---------------------------------------------------------------------


@dataclass(frozen=True)
class RelationshipHint:
    """What the history suggests, and why."""

    relationship: str
    reason: str

    @property
    def label(self) -> str:
        return str(Client.Relationship(self.relationship).label)


def relationship_suggest(
    *, projects: Iterable[Any], today: datetime.date | None = None
) -> RelationshipHint:
    """Suggest new / regular / loyal from the client's projects; read-only.

    Loyal: three or more projects, or more than two years since the first one started.
    Regular: two projects. Leads and cancelled projects do not count as work.
    """
    today = today or timezone.localdate()
    worked = [p for p in projects if p.status not in {"lead", "cancelled"}]
    starts = [p.start_on or timezone.localdate(p.created_at) for p in worked]
    years = (today - min(starts)).days / 365.25 if starts else 0
    count = len(worked)
    if count >= 3:
        return RelationshipHint(Client.Relationship.LOYAL, _("%d projects") % count)
    if years > 2:
        return RelationshipHint(Client.Relationship.LOYAL, _("working together for over 2 years"))
    if count == 2:
        return RelationshipHint(Client.Relationship.REGULAR, _("2 projects"))
    if count == 1:
        return RelationshipHint(Client.Relationship.NEW, _("1 project"))
    return RelationshipHint(Client.Relationship.NEW, _("no projects yet"))


def relationship_suggest_for(*, client: Client) -> RelationshipHint:
    """Suggest the relationship of a saved client from its projects (one query, none when
    they are prefetched); read-only."""
    if client.pk is None:
        return relationship_suggest(projects=[])
    return relationship_suggest(projects=client.projects.all())


# --- Notes ---------------------------------------------------------------------------------


def notes_prominent_for(client: Client) -> list[Note]:
    """Return the client's pinned notes and every no-go, no-gos first (one query); read-only.

    For the client page, the project page, the message composer and the offer editor:
    ``{% include "clients/_prominent_notes.html" with client=client prominent_notes=... %}``.
    """
    notes = Note.objects.filter(client=client).prominent()
    return sorted(
        notes, key=lambda note: (note.kind != Note.Kind.NO_GO, -note.noted_on.toordinal())
    )


def note_create(
    *,
    client: Client,
    kind: str,
    body: str,
    noted_on: datetime.date | None = None,
    is_pinned: bool = False,
    agreed: str = "",
) -> Note:
    """Add a note to the client and its timeline entry. Not idempotent (one note per call).

    An incident is always pinned when it is written (it can be unpinned later): whoever writes
    to the client next should see what happened and what was agreed.
    """
    from timeline.models import Activity

    with transaction.atomic():
        note = Note(
            client=client,
            kind=kind,
            body=body,
            agreed=agreed.strip(),
            noted_on=noted_on or timezone.localdate(),
            is_pinned=is_pinned or kind == Note.Kind.INCIDENT,
        )
        note.full_clean()
        note.save()
        activity_record(
            client=client,
            kind=Activity.Kind.NOTE,
            summary=_note_summary(note),
            detail=note.body,
            note=note,
        )
    return note


def note_update(
    *,
    note: Note,
    kind: str,
    body: str,
    noted_on: datetime.date,
    is_pinned: bool,
    agreed: str = "",
) -> Note:
    """Change a note and keep its timeline entry in step. Safe to run twice."""
    from timeline.models import Activity

    with transaction.atomic():
        note.kind, note.body, note.noted_on, note.is_pinned = kind, body, noted_on, is_pinned
        note.agreed = agreed.strip()
        note.full_clean()
        note.save()
        Activity.objects.filter(note=note).update(summary=_note_summary(note), detail=note.body)
    return note


def note_pin_toggle(*, note: Note) -> Note:
    """Pin an unpinned note or unpin a pinned one. Running it twice undoes it."""
    note.is_pinned = not note.is_pinned
    note.save(update_fields=["is_pinned", "updated_at"])
    return note


def note_delete(*, note: Note) -> None:
    """Delete the note and its timeline entry (cascade). Safe to run twice."""
    Note.objects.filter(pk=note.pk).delete()


def _note_summary(note: Note) -> str:
    first_line = (note.body.strip().splitlines() or [""])[0]
    return f"{Note.Kind(note.kind).label}: {first_line}"[:300]


def contact_add(*, client: Client, email: str, name: str = "") -> Contact:
    """Add a contact with this address to the client, unless one has it. Safe to run twice."""
    existing = client.contacts.filter(email__iexact=email).first()
    if existing is not None:
        return existing
    return Contact.objects.create(
        client=client, email=email[:254], name=(name or email.partition("@")[0])[:200]
    )
