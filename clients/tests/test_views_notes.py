"""Notes on the client page (htmx), the dashboard's quick-add, and the prominent-notes include."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from clients.models import Client, Note
from timeline.models import Activity

from .factories import NoteFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
XSS = ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>"]
NOTE_ID_VIEWS = [
    ("get", "clients:note_edit"),
    ("post", "clients:note_pin"),
    ("post", "clients:note_delete"),
]


def note_data(**overrides: Any) -> dict[str, Any]:
    return {"kind": "no_go", "noted_on": "2026-11-23", "body": "Never call before 10", **overrides}


@pytest.mark.parametrize(("method", "name"), NOTE_ID_VIEWS)
def test_it_serves_own_notes(alice_client: Any, acme: Client, method: str, name: str) -> None:
    note = NoteFactory(client=acme)
    response = getattr(alice_client, method)(reverse(name, args=[note.pk]), **HTMX)
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "name"), NOTE_ID_VIEWS)
def test_it_answers_404_for_another_freelancers_note(
    bob_client: Any, acme: Client, method: str, name: str
) -> None:
    note = NoteFactory(client=acme)
    assert getattr(bob_client, method)(reverse(name, args=[note.pk])).status_code == 404
    assert Note.objects.filter(pk=note.pk, is_pinned=False).exists()


@pytest.mark.parametrize(("method", "name"), NOTE_ID_VIEWS)
def test_it_sends_anonymous_visitors_of_notes_to_login(
    anon_client: Any, acme: Client, method: str, name: str
) -> None:
    note = NoteFactory(client=acme)
    assert getattr(anon_client, method)(reverse(name, args=[note.pk])).status_code == 302


def test_it_adds_a_pinned_no_go_in_place(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(
        reverse("clients:note_add", args=[acme.pk]), note_data(is_pinned="on"), **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('\n<section id="client-notes"') or 'id="client-notes"' in body
    assert 'id="prominent-notes" class="mb-3" data-hx-swap-oob="true"' in body
    assert body.count("Never call before 10") == 2  # in the list and at the top
    note = Note.objects.get(client=acme)
    assert note.is_pinned
    assert Activity.objects.filter(note=note, kind="note").count() == 1


def test_an_incident_is_pinned_by_default_with_what_was_agreed(
    alice_client: Any, acme: Client
) -> None:
    data = note_data(
        kind="incident",
        noted_on="2026-12-02",
        body="Beschimpfte mich am Telefon wegen der Verzögerung.",
        agreed="Ab jetzt nur noch schriftlich, über Frau Weber.",
    )
    response = alice_client.post(reverse("clients:note_add", args=[acme.pk]), data, **HTMX)
    body = response.content.decode()
    note = Note.objects.get(client=acme)
    assert (note.kind, note.is_pinned, note.noted_on.isoformat()) == (
        "incident",
        True,
        "2026-12-02",
    )
    assert note.agreed == "Ab jetzt nur noch schriftlich, über Frau Weber."
    assert body.count("Ab jetzt nur noch schriftlich") == 2  # in the list and at the top
    page = alice_client.get(acme.get_absolute_url()).content.decode()
    assert "Ab jetzt nur noch schriftlich" in page


def test_it_falls_back_to_a_redirect_without_htmx(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(reverse("clients:note_add", args=[acme.pk]), note_data())
    assert response.url == acme.get_absolute_url()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": "   "}, "This field is required"),
        ({"body": "x" * 10_001}, "at most 10000 characters"),
        ({"kind": "nonsense"}, "Select a valid choice"),
        ({"noted_on": "32.13.2026"}, "Enter a valid date"),
    ],
)
def test_it_shows_note_errors_in_place(
    alice_client: Any, acme: Client, overrides: dict[str, str], message: str
) -> None:
    response = alice_client.post(
        reverse("clients:note_add", args=[acme.pk]), note_data(**overrides), **HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Note.objects.exists()


def test_it_edits_pins_and_deletes_in_place(alice_client: Any, acme: Client) -> None:
    note = NoteFactory(client=acme, body="First")
    form = alice_client.get(reverse("clients:note_edit", args=[note.pk]), **HTMX)
    assert 'name="body"' in form.content.decode()
    alice_client.post(
        reverse("clients:note_edit", args=[note.pk]), note_data(kind="wish", body="Second"), **HTMX
    )
    note.refresh_from_db()
    assert (note.kind, note.body) == ("wish", "Second")
    bad = alice_client.post(
        reverse("clients:note_edit", args=[note.pk]), note_data(body=""), **HTMX
    )
    assert bad["HX-Retarget"] == f"#note-{note.pk}"
    alice_client.post(reverse("clients:note_pin", args=[note.pk]), **HTMX)
    assert Note.objects.get(pk=note.pk).is_pinned
    response = alice_client.post(reverse("clients:note_delete", args=[note.pk]), **HTMX)
    assert "Second" not in response.content.decode()
    assert not Note.objects.exists()


@pytest.mark.parametrize("payload", XSS)
def test_it_shows_markup_in_notes_as_text(alice_client: Any, acme: Client, payload: str) -> None:
    response = alice_client.post(
        reverse("clients:note_add", args=[acme.pk]), note_data(body=payload), **HTMX
    )
    assert payload not in response.content.decode()
    page = alice_client.get(acme.get_absolute_url()).content.decode()
    assert payload not in page
    assert "&lt;" in page
    assert Note.objects.get().body == payload


def test_it_quick_adds_a_note_from_anywhere(alice_client: Any, acme: Client) -> None:
    url = reverse("clients:note_quick_add")
    assert f'data-url="{reverse("clients:suggest")}"' in alice_client.get(url).content.decode()
    response = alice_client.post(url, note_data(client=acme.pk, kind="wish"), **HTMX)
    body = response.content.decode()
    assert 'id="note-quick-add"' in body
    assert "Note added to Acme GmbH" in body
    # The fresh form keeps the client chosen for the next note.
    assert f'<option value="{acme.pk}" selected>Acme GmbH</option>' in body
    assert Note.objects.get().client == acme
    redirect = alice_client.post(url, note_data(client=acme.pk, next="/"))
    assert redirect.url == "/"
    evil = alice_client.post(url, note_data(client=acme.pk, next="https://evil.example/"))
    assert evil.url == acme.get_absolute_url()


def test_it_refuses_quick_notes_for_another_freelancers_client(
    bob_client: Any, acme: Client
) -> None:
    response = bob_client.post(reverse("clients:note_quick_add"), note_data(client=acme.pk), **HTMX)
    assert "Select a valid choice" in response.content.decode()
    assert not Note.objects.exists()


def test_it_renders_the_quick_add_partial_standalone(alice: Any, acme: Client) -> None:
    request = RequestFactory().get("/")
    request.user = alice
    html = render_to_string("clients/_note_quick_add.html", {"request": request})
    assert reverse("clients:note_quick_add") in html
    assert "data-client-picker" in html
    assert "Acme GmbH" not in html  # clients arrive as the user types


def test_it_renders_the_prominent_notes_include(acme: Client) -> None:
    from clients.services import notes_prominent_for

    NoteFactory(client=acme, kind="no_go", body="<b>No Comic Sans</b>")
    NoteFactory(client=acme, body="Not prominent")
    html = render_to_string(
        "clients/_prominent_notes.html",
        {"client": acme, "prominent_notes": notes_prominent_for(acme)},
    )
    assert "&lt;b&gt;No Comic Sans&lt;/b&gt;" in html
    assert "Not prominent" not in html


def test_it_lists_the_latest_notes_and_all_on_request(alice_client: Any, acme: Client) -> None:
    for index in range(12):
        NoteFactory(client=acme, body=f"Numbered note {index:02d}")
    body = alice_client.get(acme.get_absolute_url()).content.decode()
    assert body.count("Numbered note") == 10
    assert "Show all notes" in body
    body = alice_client.get(acme.get_absolute_url(), {"notes": "all"}).content.decode()
    assert body.count("Numbered note") == 12
    assert "Show all notes" not in body
