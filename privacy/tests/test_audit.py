"""The audit log page: own entries only, filter by type, pagination, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from crm.audit import audit_record
from crm.models import AuditEntry
from crm.testing import assert_login_required
from tests.factories import make_client, make_offer, make_project

URL = "/privacy/audit/"


def test_it_is_at_the_documented_address() -> None:
    assert reverse("privacy:audit") == URL


def test_it_needs_a_login(anon_client: Any) -> None:
    assert_login_required(anon_client.get(URL), URL)


def test_it_shows_who_when_what(alice: Any, alice_client: Any, bob: Any) -> None:
    acme = make_client(alice, name="Acme GmbH")
    audit_record(
        owner=alice,
        actor=alice,
        action=AuditEntry.Action.UPDATE,
        obj=acme,
        changes={"email": ["a@x.example", "b@x.example"]},
    )
    audit_record(owner=bob, actor=bob, action=AuditEntry.Action.CREATE, obj=make_client(bob))
    response = alice_client.get(URL)
    text = response.content.decode()
    assert "Acme GmbH" in text
    assert "a@x.example → b@x.example" in text
    assert len(response.context["page"].object_list) == 1


def test_it_filters_by_type(alice: Any, alice_client: Any) -> None:
    acme = make_client(alice)
    offer = make_offer(make_project(acme))
    audit_record(owner=alice, actor="client portal", action="status", obj=offer)
    audit_record(owner=alice, actor=alice, action="create", obj=acme)
    page = alice_client.get(URL, {"type": "offer"}).context["page"]
    assert [entry.object_type for entry in page] == ["projects.offer"]
    page = alice_client.get(URL, {"type": "nonsense"}).context["page"]
    assert len(page.object_list) == 2


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_it_survives_bad_page_numbers(alice_client: Any, page: str) -> None:
    assert alice_client.get(URL, {"page": page}).status_code == 200


def test_it_paginates_with_a_constant_query_count(
    alice: Any, alice_client: Any, django_assert_max_num_queries: Any
) -> None:
    acme = make_client(alice)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            owner=alice,
            actor="alice",
            action="update",
            object_type="clients.client",
            object_id=str(acme.pk),
            object_repr=acme.name,
        )
        for _ in range(120)
    )
    with django_assert_max_num_queries(8):
        response = alice_client.get(URL, {"page": "2"})
    assert len(response.context["page"].object_list) == 50
