"""Services of the clients app: notes, archive, delete, tags, relationship hints, search."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from clients import services
from clients.models import Client, Note
from crm.models import AuditEntry
from timeline.models import Activity

from .conftest import project_for
from .factories import ClientFactory, ContactFactory, NoteFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_it_writes_a_timeline_entry_linked_to_a_new_note(acme: Client) -> None:
    note = services.note_create(client=acme, kind=Note.Kind.NO_GO, body="Never call before 10")
    activity = Activity.objects.get(note=note)
    assert activity.kind == Activity.Kind.NOTE
    assert activity.client == acme
    assert activity.owner_id == acme.owner_id
    assert "Never call before 10" in activity.summary


def test_it_keeps_the_timeline_entry_in_step_with_an_edited_note(acme: Client) -> None:
    note = services.note_create(client=acme, kind=Note.Kind.WISH, body="Old")
    services.note_update(
        note=note, kind=Note.Kind.CALL, body="New text", noted_on=note.noted_on, is_pinned=True
    )
    assert Activity.objects.get(note=note).detail == "New text"
    services.note_delete(note=note)
    services.note_delete(note=note)
    assert not Activity.objects.filter(client=acme).exists()


def test_it_puts_no_gos_first_among_prominent_notes(acme: Client) -> None:
    pinned = NoteFactory(client=acme, is_pinned=True, noted_on=datetime.date(2026, 11, 20))
    nogo = NoteFactory(client=acme, kind=Note.Kind.NO_GO, noted_on=datetime.date(2026, 1, 1))
    NoteFactory(client=acme, kind=Note.Kind.WISH)
    assert services.notes_prominent_for(acme) == [nogo, pinned]


def test_it_toggles_the_pin(acme: Client) -> None:
    note = NoteFactory(client=acme)
    assert services.note_pin_toggle(note=note).is_pinned is True
    assert services.note_pin_toggle(note=note).is_pinned is False


def test_it_archives_once_and_audits_it(alice: Any, acme: Client) -> None:
    services.client_archive(user=alice, client=acme)
    services.client_archive(user=alice, client=acme)
    assert acme.is_archived
    [archived] = AuditEntry.objects.filter(action="archive", object_id=str(acme.pk))
    assert archived.changes == {"archived_at": [None, acme.archived_at.isoformat()]}
    services.client_unarchive(user=alice, client=acme)
    services.client_unarchive(user=alice, client=acme)
    assert not Client.objects.get(pk=acme.pk).is_archived
    [brought_back] = AuditEntry.objects.filter(action="update", object_id=str(acme.pk))
    assert brought_back.changes == {"archived_at": [archived.changes["archived_at"][1], None]}


def test_it_refuses_to_delete_a_client_with_projects(alice: Any, acme: Client) -> None:
    project_for(acme)
    assert services.client_is_deletable(client=acme) is False
    with pytest.raises(services.ClientInUseError):
        services.client_delete(user=alice, client=acme)
    assert Client.objects.filter(pk=acme.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_it_deletes_and_audits_a_client_without_projects(alice: Any, acme: Client) -> None:
    NoteFactory(client=acme)
    services.client_delete(user=alice, client=acme)
    assert not Client.objects.filter(name="Acme GmbH").exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_repr == "Acme GmbH"
    assert entry.changes["name"] == ["Acme GmbH", None]


def test_it_resolves_tags_case_insensitively(alice: Any) -> None:
    existing = TagFactory(owner=alice, name="Agentur")
    tags = services.tags_resolve(user=alice, names=["agentur", "Neu"])
    assert tags[0] == existing
    assert tags[1].name == "Neu"
    assert services.tags_resolve(user=alice, names=["neu"]) == [tags[1]]


@pytest.mark.parametrize(
    ("statuses", "started_days_ago", "expected"),
    [
        ([], 0, "new"),
        (["active"], 10, "new"),
        (["active", "delivered"], 10, "regular"),
        (["active", "closed", "closed"], 10, "loyal"),
        (["closed"], 800, "loyal"),
        (["lead", "cancelled", "active"], 10, "new"),
    ],
)
def test_it_suggests_the_relationship_from_history(
    acme: Client, statuses: list[str], started_days_ago: int, expected: str
) -> None:
    today = datetime.date(2026, 11, 23)
    for status in statuses:
        project_for(acme, status=status, start_on=today - datetime.timedelta(days=started_days_ago))
    hint = services.relationship_suggest(projects=acme.projects.all(), today=today)
    assert hint.relationship == expected
    assert hint.reason


def test_it_searches_name_contact_email_and_tag_without_duplicates(alice: Any) -> None:
    weber = ClientFactory(owner=alice, name="Kanzlei Weber", email="kanzlei@weber.example")
    ContactFactory(client=weber, name="Sabine Brandt", email="sb@weber.example")
    ContactFactory(client=weber, name="Sabine Two", email="s2@weber.example", is_primary=False)
    other = ClientFactory(owner=alice, name="Other")
    other.tags.add(TagFactory(owner=alice, name="Retainer"))

    def names(**filters: Any) -> list[str]:
        return [c.name for c in services.client_search(user=alice, **filters)]

    assert names(query="sabine") == ["Kanzlei Weber"]
    assert names(query="kanzlei@weber") == ["Kanzlei Weber"]
    assert names(query="retain") == ["Other"]
    assert names(tag="Retainer") == ["Other"]
    assert names(query="") == ["Kanzlei Weber", "Other"]


def test_it_hides_archived_clients_unless_asked(alice: Any) -> None:
    ClientFactory(owner=alice, name="Gone", archived_at=datetime.datetime.now(datetime.UTC))
    assert not services.client_search(user=alice).exists()
    assert services.client_search(user=alice, include_archived=True).count() == 1


def test_it_never_finds_another_freelancers_clients(alice: Any, globex: Client) -> None:
    assert not services.client_search(user=alice, query="Globex").exists()
