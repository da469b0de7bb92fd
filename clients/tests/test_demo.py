"""Demo data of the clients app."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest

from clients import demo
from clients.models import Client, Note
from crm.demo import DemoContext
from timeline.models import Activity

pytestmark = pytest.mark.django_db


def seed(user: Any, clients: int) -> DemoContext:
    context = DemoContext(
        user=user,
        rng=random.Random(1),
        clients=clients,
        today=datetime.date(2026, 11, 23),
        now=datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC),
    )
    demo.seed(context)
    return context


def test_it_seeds_clients_with_every_kind_of_note_and_timeline(alice: Any) -> None:
    context = seed(alice, 24)
    clients = Client.objects.owned_by(alice)
    assert clients.count() == 24 == len(context.shared["clients"])
    assert {c.language for c in clients} == {"de", "en"}
    assert {c.form_of_address for c in clients} == {"formal", "informal"}
    notes = Note.objects.owned_by(alice)
    assert {n.kind for n in notes} == set(Note.Kind.values)
    assert notes.filter(is_pinned=True).exists()
    assert Activity.objects.filter(owner=alice, kind="note").count() == notes.count()
    assert all(c.contacts.exists() for c in clients[:5])
    assert Client.tags.through.objects.filter(client__owner=alice).exists()


def test_it_seeds_2000_clients_in_a_few_queries(
    alice: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(40):
        seed(alice, 2000)
    assert Client.objects.owned_by(alice).count() == 2000
    demo.wipe(alice)
    assert not Client.objects.owned_by(alice).exists()


def test_it_gives_every_demo_client_a_deliverable_ascii_address(alice: Any) -> None:
    # An address with umlauts in the local part is refused by SMTP; the outbox would hold it.
    seed(alice, clients=40)
    emails = list(Client.objects.filter(owner=alice).values_list("email", flat=True))
    assert len(emails) == 40
    assert all(email.isascii() and "@" in email for email in emails)
