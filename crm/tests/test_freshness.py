"""Data generations (crm/freshness.py): every kind of write renews its owner's, and only theirs.

The dashboard cache that relies on them is tested in dashboard/tests/test_cache.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from communications.models import Message
from crm import freshness
from projects.models import Milestone
from tests.factories import make_client, make_project

LABELS = ["clients.client", "communications.message", "projects.milestone", "projects.project"]


def stamps(owner: Any) -> dict[str, str] | None:
    return freshness.generations(owner.pk, LABELS)


def changes(owner: Any, write: Callable[[], Any]) -> bool:
    """Return whether ``write`` gave ``owner`` a new generation of some model."""
    before = stamps(owner)
    write()
    return stamps(owner) != before


def test_every_kind_of_write_renews_only_the_owners_generation(alice: Any, bob: Any) -> None:
    client = make_client(alice)
    project = make_project(client)
    today = timezone.localdate()
    writes: dict[str, Callable[[], Any]] = {
        "save": lambda: make_client(alice),
        "update": lambda: type(client).objects.filter(pk=client.pk).update(city="Köln"),
        "update, owner known": lambda: (
            type(client).objects.filter(pk=client.pk).update_of_owner(alice.pk, city="Bonn")
        ),
        "child save": lambda: Milestone.objects.create(project=project, title="A", due_on=today),
        "child update": lambda: Milestone.objects.filter(project=project).update(title="B"),
        "bulk create": lambda: Milestone.objects.bulk_create(
            [Milestone(project=project, title="C", due_on=today)]
        ),
        "bulk update": lambda: Milestone.objects.bulk_update(
            [Milestone.objects.filter(project=project).first()], ["title"]
        ),
        "delete": lambda: Milestone.objects.filter(project=project).first().delete(),
        "queryset delete": lambda: Milestone.objects.filter(project=project).delete(),
    }
    for name, write in writes.items():
        bobs = stamps(bob)
        assert changes(alice, write), name
        assert stamps(bob) == bobs, name


def test_an_update_with_a_known_owner_skips_the_owner_lookup(
    alice: Any, django_assert_num_queries: Any
) -> None:
    client = make_client(alice)
    rows = type(client).objects.filter(pk=client.pk)
    with django_assert_num_queries(2):  # the owners, the update
        rows.update(city="Köln")
    with django_assert_num_queries(1):
        rows.update_of_owner(alice.pk, city="Bonn")


def test_an_update_that_matches_nothing_changes_nothing(alice: Any) -> None:
    make_client(alice)
    assert not changes(alice, lambda: Message.objects.filter(pk=-1).update(subject="x"))


@pytest.mark.django_db(transaction=True)
def test_the_generation_is_renewed_again_when_the_transaction_commits(alice: Any) -> None:
    from django.db import transaction

    client = make_client(alice)
    with transaction.atomic():
        client.city = "Hamburg"
        client.save()
        during = stamps(alice)
    assert stamps(alice) != during


def test_a_deferred_block_renews_once_per_model_at_its_end(
    alice: Any, bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    renewals: list[tuple[frozenset[int], str]] = []
    real = freshness._renew

    def spy(ids: set[int], label: str) -> None:
        renewals.append((frozenset(ids), label))
        real(ids, label)

    monkeypatch.setattr(freshness, "_renew", spy)
    before = stamps(alice)
    with freshness.deferred():
        for _ in range(5):
            make_client(alice)
        make_client(bob)
        assert renewals == []
        assert stamps(alice) == before
    assert renewals == [(frozenset({alice.pk, bob.pk}), "clients.client")]
    assert stamps(alice) != before
    renewals.clear()

    def fail() -> None:
        with freshness.deferred():
            make_client(alice)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert renewals == [(frozenset({alice.pk}), "clients.client")]
