"""The client picker: a search-as-you-type box instead of a <select> with every client."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.forms import NoteQuickAddForm
from clients.models import Client

from .factories import ClientFactory

SUGGEST = "clients:suggest"


def names(response: Any) -> list[str]:
    return [row["text"] for row in response.json()["results"]]


def test_it_suggests_own_clients_matching_the_query(
    alice_client: Any, acme: Client, globex: Client
) -> None:
    ClientFactory(owner=acme.owner, name="Weber Design", city="Köln")
    response = alice_client.get(reverse(SUGGEST), {"q": "weber design"})
    assert response.status_code == 200
    assert response.json()["results"][0] == {
        "value": str(Client.objects.get(name="Weber Design").pk),
        "text": "Weber Design",
        "hint": "Köln",
    }
    assert names(alice_client.get(reverse(SUGGEST), {"q": "köln"})) == ["Weber Design"]
    # Bob's client never shows up, whatever alice types.
    assert names(alice_client.get(reverse(SUGGEST), {"q": "globex"})) == []
    assert "Globex Ltd" not in alice_client.get(reverse(SUGGEST)).content.decode()


def test_it_ranks_names_that_start_with_the_query_first(alice: Any, alice_client: Any) -> None:
    ClientFactory(owner=alice, name="Atelier Weber", email="a@atelier.example")
    ClientFactory(owner=alice, name="Büro Nord", email="weber@nord.example")
    ClientFactory(owner=alice, name="Weber Design", email="hi@design.example")
    response = alice_client.get(reverse(SUGGEST), {"q": "weber"})
    assert names(response) == ["Weber Design", "Atelier Weber", "Büro Nord"]


def test_it_caps_suggestions_and_keeps_archived_clients_for_filters_only(
    alice: Any, alice_client: Any, django_assert_num_queries: Any
) -> None:
    ClientFactory.create_batch(30, owner=alice, name="Studio")
    old = ClientFactory(owner=alice, name="Altkunde AG", archived_at=timezone.now())
    with django_assert_num_queries(4):  # session, user, profile, clients
        response = alice_client.get(reverse(SUGGEST), {"q": "studio"})
    assert len(names(response)) == 20
    assert names(alice_client.get(reverse(SUGGEST), {"q": "altkunde"})) == []
    archived = alice_client.get(reverse(SUGGEST), {"q": "altkunde", "archived": "1"})
    assert names(archived) == [old.name]


@pytest.mark.parametrize("query", ["", " ", "%", "_", "'; drop table x; --", "\x00", "ä" * 500])
def test_it_answers_any_query_without_an_error(alice_client: Any, query: str) -> None:
    response = alice_client.get(reverse(SUGGEST), {"q": query, "archived": "yes"})
    assert response.status_code == 200
    assert "results" in response.json()


def test_it_sends_anonymous_visitors_to_the_login(anon_client: Any) -> None:
    assert anon_client.get(reverse(SUGGEST), {"q": "a"}).status_code == 302


def test_it_renders_only_the_chosen_client(alice: Any, acme: Client) -> None:
    ClientFactory.create_batch(50, owner=alice)
    html = str(NoteQuickAddForm(user=alice, initial={"client": acme.pk})["client"])
    # Acme, after the empty placeholder option valid HTML wants first in a required <select>.
    assert html.count("<option") == 2
    assert '<option value="">Type to search clients</option>' in html
    assert f'<option value="{acme.pk}" selected>Acme GmbH</option>' in html
    assert f'data-url="{reverse(SUGGEST)}"' in html


@pytest.mark.parametrize("value", ["abc", "9" * 30, "-1", "1.5", ""])
def test_it_refuses_a_bad_client_value_without_an_error(alice: Any, value: str) -> None:
    form = NoteQuickAddForm(
        {"client": value, "kind": "context", "noted_on": "2026-11-23", "body": "x"}, user=alice
    )
    assert not form.is_valid()
    assert "client" in form.errors
    # No choice is made up from a bad value: only the placeholder.
    assert str(form["client"]).count("<option") == 1
    assert '<option value="">' in str(form["client"])


def test_it_refuses_another_freelancers_client(alice: Any, globex: Client) -> None:
    form = NoteQuickAddForm(
        {"client": globex.pk, "kind": "context", "noted_on": "2026-11-23", "body": "x"},
        user=alice,
    )
    assert not form.is_valid()
    assert "Globex" not in str(form["client"])
