from __future__ import annotations

import datetime
from typing import Any

import pytest

from clients.models import Client
from communications.context import freelancer_context
from communications.dispatch import messages_dispatch
from communications.models import ClientCommunication, Message
from communications.outbox import message_build, message_insert, messages_insert
from communications.planners.status_updates import status_updates_plan
from communications.rendering import Rendered
from communications.sandbox import SCHEMA
from projects.documents import seller_data
from timeline.models import Activity

from .conftest import NOW
from .factories import MilestoneFactory, ProjectFactory

RENDERED = Rendered(subject="Kurzer   Stand\n zum Projekt", text="Hallo\n", html="<p>Hallo</p>")


def build(client: Client, key: str, **fields: Any) -> Message:
    return message_build(client=client, kind="one_off", dedupe_key=key, rendered=RENDERED, **fields)


def test_it_inserts_a_message_with_one_timeline_entry_once(acme: Client) -> None:
    message, created = message_insert(build(acme, "k"))
    again, created_again = message_insert(build(acme, "k"))
    assert (created, created_again) == (True, False)
    assert again.pk == message.pk
    assert message.subject == "Kurzer Stand zum Projekt"
    assert message.to == "info@acme.example"
    entry = Activity.objects.get()
    assert (entry.message_id, entry.kind, entry.summary) == (message.pk, "message", message.subject)


def test_it_inserts_in_bulk_and_skips_keys_that_exist(acme: Client, globex: Client) -> None:
    first, _ = message_insert(build(acme, "a"))
    # The same key of another freelancer is another message.
    created = messages_insert([build(acme, "a"), build(acme, "b"), build(globex, "a")])
    assert sorted((m.client_id, m.dedupe_key) for m in created) == [
        (acme.pk, "b"),
        (globex.pk, "a"),
    ]
    assert messages_insert([build(acme, "b")]) == []
    assert Message.objects.count() == 3
    assert Activity.objects.filter(kind=Activity.Kind.MESSAGE).count() == 3
    assert Message.objects.get(client=acme, dedupe_key="a").pk == first.pk


def test_it_holds_a_message_that_should_go_to_a_client_without_email(acme: Client) -> None:
    acme.email = ""
    held = build(acme, "h", status=Message.Status.SCHEDULED)
    assert held.status == Message.Status.HELD
    assert "no e-mail address" in held.held_reason
    draft = build(acme, "d")
    assert (draft.status, draft.held_reason) == (Message.Status.DRAFT, "")


def test_it_writes_the_held_reason_in_the_freelancers_language(alice: Any, acme: Client) -> None:
    alice.profile.language = "de"
    alice.profile.save()
    acme.email = ""
    acme.save()
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    status_updates_plan(now=datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC))
    assert "keine E-Mail-Adresse" in Message.objects.get().held_reason


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_dispatcher_holds_a_row_without_recipient_in_the_freelancers_language(
    alice: Any, acme: Client, language: str
) -> None:
    alice.profile.language = language
    alice.profile.save()
    message, _ = message_insert(build(acme, "x", status=Message.Status.SCHEDULED, send_after=NOW))
    Message.objects.filter(pk=message.pk).update(to="")
    assert messages_dispatch(now=NOW).held == 1
    message.refresh_from_db()
    expected = "keine E-Mail-Adresse" if language == "de" else "no e-mail address"
    assert expected in message.held_reason


def test_every_client_override_is_listed_for_the_form_and_the_rules() -> None:
    fields = {field.name for field in ClientCommunication._meta.concrete_fields}
    own = {"id", "owner", "client", "created_at", "updated_at"}
    assert set(ClientCommunication.OVERRIDE_FIELDS) == fields - own


def test_templates_and_documents_see_the_same_plain_profile(alice: Any) -> None:
    values = alice.profile.plain_values()
    assert seller_data(alice) == values
    context = freelancer_context(alice)
    assert set(context) == set(SCHEMA["freelancer"])
    shared = set(context) & set(values)
    assert shared == set(context) - {"address", "signature"}
    assert all(context[key] == values[key] for key in shared)
    assert context["address"] == ["Hauptstraße 1", "10115 Berlin"]
