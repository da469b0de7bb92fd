"""One acceptance: the freelancer's button and the client portal end in the same state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse

from crm.models import AuditEntry
from portal.models import PortalLink
from projects import events
from projects.models import Offer, Project
from tests.factories import make_client, make_offer, make_project
from timeline.models import Activity

from .posts import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered() -> Iterator[list[tuple[str, Any]]]:
    """Record the events the projects app sends (offer answered, project status changed)."""
    sent: list[tuple[str, Any]] = []

    def offer_answered(*, offer: Offer, old: str, new: str, **kwargs: Any) -> None:
        sent.append(("offer_answered", (offer.pk, old, new)))

    def status_changed(*, project: Project, old: str, new: str, **kwargs: Any) -> None:
        sent.append(("project_status_changed", (project.pk, old, new)))

    events.offer_answered.connect(offer_answered, dispatch_uid="test.answered")
    events.project_status_changed.connect(status_changed, dispatch_uid="test.status")
    yield sent
    events.offer_answered.disconnect(dispatch_uid="test.answered")
    events.project_status_changed.disconnect(dispatch_uid="test.status")


def offered_project(owner: Any) -> Offer:
    """Return the sent offer of a project that waits for the client's answer."""
    project = make_project(make_client(owner), status=Project.Status.OFFERED)
    return make_offer(project)


def state(offer: Offer) -> dict[str, Any]:
    """Return everything an acceptance writes, minus who pressed and where from."""
    offer.refresh_from_db()
    project = Project.objects.get(pk=offer.project_id)
    audit = AuditEntry.objects.filter(
        Q(object_type="projects.offer", object_id=str(offer.pk))
        | Q(object_type="projects.project", object_id=str(project.pk))
    ).order_by("pk")
    return {
        "offer": offer.status,
        "accepted_at_set": offer.accepted_at is not None,
        "project": project.status,
        "audit": [
            (
                entry.object_type,
                entry.action,
                entry.changes.get("status"),
                "version" in entry.changes,
            )
            for entry in audit
        ],
        "timeline": sorted(Activity.objects.filter(project=project).values_list("kind", flat=True)),
    }


def test_it_ends_the_button_and_the_portal_in_the_same_state(
    alice: Any, alice_client: Any, client: Any, answered: list[tuple[str, Any]]
) -> None:
    by_button, in_portal = offered_project(alice), offered_project(alice)

    response = alice_client.post(
        reverse("projects:offer_status", args=[by_button.pk]), {"status": "accepted"}
    )
    assert response.status_code == 302
    button_events = list(answered)
    answered.clear()
    link = PortalLink.objects.create(owner=alice, project=in_portal.project)
    assert accept(client, link, in_portal).status_code == 302

    button_state, portal_state = state(by_button), state(in_portal)
    assert button_state["offer"] == Offer.Status.ACCEPTED
    assert button_state["project"] == Project.Status.ACTIVE
    assert button_state == portal_state
    assert button_state["audit"] == [
        ("projects.offer", "status", ["sent", "accepted"], True),
        ("projects.project", "status", ["offered", "active"], False),
    ]
    # The client's confirmation (communications) is on the timeline too: a draft after the
    # button, queued after the portal.
    assert button_state["timeline"] == ["message", "offer", "status"]
    assert [name for name, _args in button_events] == [
        "project_status_changed",
        "offer_answered",
    ]
    assert [name for name, _args in answered] == [name for name, _args in button_events]
    assert answered[-1][1] == (in_portal.pk, "sent", "accepted")
    # Only the portal records who accepted and from where.
    assert (in_portal.accepted_by_name, in_portal.accepted_ip) == ("Sabine Weber", "203.0.113.7")
    assert (by_button.accepted_by_name, by_button.accepted_ip) == ("", None)
