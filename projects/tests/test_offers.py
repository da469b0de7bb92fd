"""Offers: edits (a sent offer gets the next version) and the one acceptance."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from crm.models import AuditEntry
from projects.models import Offer, Project
from projects.services.lines import LineEdit
from projects.services.offers import (
    OfferNotAcceptable,
    offer_accept,
    offer_create,
    offer_new_version,
    offer_send,
    offer_set_status,
    offer_update,
)

from .factories import OfferLineFactory, ProjectFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "issued_on": datetime.date(2026, 11, 23),
    "valid_until": datetime.date(2026, 12, 23),
    "intro_text": "Hallo",
    "closing_text": "Gruß",
}


def line(description: str, price: str = "100.00", position: int = 1) -> dict[str, Any]:
    return {
        "position": position,
        "description": description,
        "quantity": Decimal(1),
        "unit": "Stk.",
        "unit_price": Decimal(price),
        "vat_rate": Decimal("19.00"),
    }


def descriptions(offer: Offer) -> list[str]:
    return list(offer.lines.values_list("description", flat=True))


def test_it_edits_a_draft_in_place(offer: Offer, alice: Any) -> None:
    design, build = offer.lines.all()
    saved = offer_update(
        offer=offer,
        fields=FIELDS,
        lines=[
            LineEdit(values={**line("Design, zwei Varianten"), "position": 1}, pk=design.pk),
            LineEdit(pk=build.pk, delete=True),
            LineEdit(values=line("Schulung", position=2)),
        ],
        actor=alice,
    )
    assert saved.pk == offer.pk
    assert saved.intro_text == "Hallo"
    assert descriptions(saved) == ["Design, zwei Varianten", "Schulung"]
    entry = AuditEntry.objects.get(object_type="projects.offer", action="update")
    assert entry.changes["intro_text"][1] == "Hallo"
    assert entry.changes["lines"] == ["…", "changed"]


def test_it_writes_no_line_that_did_not_change(offer: Offer, alice: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    design = offer.lines.first()
    unchanged = {name: getattr(design, name) for name in line("x")}
    with CaptureQueriesContext(connection) as queries:
        offer_update(
            offer=offer, fields={}, lines=[LineEdit(values=unchanged, pk=design.pk)], actor=alice
        )
    assert not [q for q in queries if q["sql"].startswith('UPDATE "projects_offerline"')]
    assert not AuditEntry.objects.filter(action="update").exists()


def test_it_ignores_a_line_of_another_offer(offer: Offer, alice: Any, project: Any) -> None:
    other = offer_create(project=project, actor=alice)
    foreign = OfferLineFactory(offer=other, description="Fremd")
    offer_update(offer=offer, fields={}, lines=[LineEdit(pk=foreign.pk, delete=True)], actor=alice)
    assert other.lines.filter(pk=foreign.pk).exists()
    assert descriptions(offer) == ["Design", "Umsetzung"]


def test_it_saves_an_edit_of_a_sent_offer_as_the_next_version(offer: Offer, alice: Any) -> None:
    offer_send(offer=offer, actor=alice)
    design, build = offer.lines.all()
    v2 = offer_update(
        offer=offer,
        fields=FIELDS,
        lines=[
            LineEdit(values=line("Design neu"), pk=design.pk),
            LineEdit(pk=build.pk, delete=True),
        ],
        actor=alice,
    )
    assert (v2.number, v2.version, v2.status) == (offer.number, 2, Offer.Status.DRAFT)
    assert descriptions(v2) == ["Design neu"]
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    assert descriptions(offer) == ["Design", "Umsetzung"]
    # A second edit of the sent version goes into the same draft, not a v3.
    again = offer_update(
        offer=offer, fields=FIELDS, lines=[LineEdit(values=line("Nur Design"))], actor=alice
    )
    assert again.pk == v2.pk
    assert descriptions(again) == ["Nur Design"]


# --- The one acceptance ---------------------------------------------------------------------


def test_it_accepts_a_sent_offer_and_starts_the_project(alice: Any, weber: Any) -> None:
    project = ProjectFactory(owner=alice, client=weber, status=Project.Status.LEAD)
    offer = offer_create(project=project, actor=alice)
    offer_send(offer=offer, actor=alice)
    now = timezone.now()
    accepted = offer_accept(
        offer=offer,
        actor="client portal",
        accepted_by_name="Sabine Weber",
        accepted_ip="203.0.113.7",
        now=now,
    )
    assert (accepted.status, accepted.accepted_at) == (Offer.Status.ACCEPTED, now)
    assert (accepted.accepted_by_name, accepted.accepted_ip) == ("Sabine Weber", "203.0.113.7")
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    entry = AuditEntry.objects.get(
        object_type="projects.offer", action="status", actor="client portal"
    )
    assert entry.changes == {
        "status": ["sent", "accepted"],
        "accepted_by_name": [None, "Sabine Weber"],
        "accepted_ip": [None, "203.0.113.7"],
        "version": [None, 1],
    }


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("draft", OfferNotAcceptable.NOT_OPEN),
        ("declined", OfferNotAcceptable.NOT_OPEN),
        ("accepted", OfferNotAcceptable.ALREADY_ACCEPTED),
        ("expired", OfferNotAcceptable.EXPIRED),
        ("past validity", OfferNotAcceptable.EXPIRED),
        ("newer version sent", OfferNotAcceptable.SUPERSEDED),
        ("other version shown", OfferNotAcceptable.SUPERSEDED),
    ],
)
def test_it_refuses_what_cannot_be_accepted_and_changes_nothing(
    offer: Offer, alice: Any, setup: str, reason: str
) -> None:
    version = None
    if setup != "draft":
        offer_send(offer=offer, actor=alice)
    if setup == "declined":
        offer_set_status(offer=offer, status="declined", actor=alice)
    elif setup == "accepted":
        offer_accept(offer=offer, actor=alice)
    elif setup == "expired":
        offer_set_status(offer=offer, status="expired", actor=alice)
    elif setup == "past validity":
        Offer.objects.filter(pk=offer.pk).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    elif setup == "newer version sent":
        # The sent v2 supersedes v1; accepting v1 (as a stale page would) is refused.
        offer_send(offer=offer_new_version(offer=offer, actor=alice), actor=alice)
    elif setup == "other version shown":
        version = offer.version + 1
    offer.refresh_from_db()
    before = (offer.status, offer.accepted_at, AuditEntry.objects.count())
    with pytest.raises(OfferNotAcceptable) as refusal:
        offer_accept(offer=offer, actor=alice, version=version)
    assert refusal.value.reason == reason
    assert str(refusal.value)
    offer.refresh_from_db()
    assert (offer.status, offer.accepted_at, AuditEntry.objects.count()) == before


def test_it_treats_the_freelancers_second_accept_as_done(offer: Offer, alice: Any) -> None:
    offer_send(offer=offer, actor=alice)
    offer_set_status(offer=offer, status="accepted", actor=alice)
    offer_set_status(offer=offer, status="accepted", actor=alice)
    assert AuditEntry.objects.filter(object_type="projects.offer", action="status").count() == 2
