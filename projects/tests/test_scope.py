"""Scope items, milestones and revision rounds: every write is audited, on the project."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from crm.models import AuditEntry
from projects.models import Milestone, RevisionRound, ScopeItem
from projects.services.scope import (
    milestone_add,
    milestone_delete,
    milestone_update,
    revision_log,
    scope_item_add,
    scope_item_delete,
    scope_item_move,
    scope_item_update,
)

pytestmark = pytest.mark.django_db


def audit_of(project: Any) -> list[dict[str, Any]]:
    return list(
        AuditEntry.objects.filter(object_type="projects.project", object_id=str(project.pk))
        .order_by("pk")
        .values_list("changes", flat=True)
    )


def test_it_audits_each_change_to_the_scope(project: Any, alice: Any) -> None:
    item = scope_item_add(item=ScopeItem(project=project, title="Kontaktformular"), actor=alice)
    assert item.position == 3  # after the two items of the fixture, in and out of scope
    item.title = "Formular"
    scope_item_update(item=item, actor=alice)
    scope_item_update(item=item, actor=alice)  # nothing changed: no entry
    scope_item_move(item=item, direction="up", actor=alice)
    scope_item_move(item=item, direction="up", actor=alice)  # first already: nothing moves
    scope_item_delete(item=item, actor=alice)
    assert audit_of(project) == [
        {"scope_item": [None, "Kontaktformular"]},
        {"scope_item": "Formular", "scope_item.title": ["Kontaktformular", "Formular"]},
        {"scope_item": "Formular", "scope_item.position": [3, 1]},
        {"scope_item": ["Formular", None]},
    ]
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {"alice"}
    assert not ScopeItem.objects.filter(pk=item.pk).exists()


def test_it_audits_each_change_to_the_milestones(project: Any, alice: Any) -> None:
    milestone = milestone_add(
        milestone=Milestone(project=project, title="Entwurf", due_on=datetime.date(2026, 12, 1)),
        actor=alice,
    )
    milestone.forecast_on = datetime.date(2026, 12, 8)
    milestone.delay_reason = "Inhalte kamen später."
    milestone_update(milestone=milestone, actor=alice)
    milestone_delete(milestone=milestone, actor=alice)
    assert audit_of(project) == [
        {"milestone": [None, "Entwurf"], "milestone.due_on": [None, "2026-12-01"]},
        {
            "milestone": "Entwurf",
            "milestone.forecast_on": [None, "2026-12-08"],
            "milestone.delay_reason": ["", "Inhalte kamen später."],
        },
        {"milestone": ["Entwurf", None]},
    ]


def test_it_audits_a_revision_round(project: Any, alice: Any) -> None:
    revision_log(
        revision=RevisionRound(
            project=project, requested_on=datetime.date(2026, 11, 20), description="Farben"
        ),
        actor=alice,
    )
    assert audit_of(project) == [{"revision_round": [None, "2026-11-20 (included)"]}]


def test_it_audits_scope_and_milestone_edits_made_in_the_browser(
    alice_client: Any, project: Any
) -> None:
    item = project.scope_items.get(title="Startseite")
    alice_client.post(
        reverse("projects:scope_edit", args=[item.pk]),
        {f"scope{item.pk}-title": "Startseite neu", f"scope{item.pk}-is_in_scope": "on"},
    )
    alice_client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"title": "Go-live", "due_on": "2026-12-15"},
    )
    milestone = project.milestones.get()
    alice_client.post(
        reverse("projects:milestone_edit", args=[milestone.pk]),
        {"title": "Go-live", "due_on": "2026-12-16"},
    )
    alice_client.post(reverse("projects:milestone_delete", args=[milestone.pk]))
    alice_client.post(reverse("projects:scope_delete", args=[item.pk]))
    keys = [next(iter(changes)) for changes in audit_of(project)]
    assert keys == ["scope_item", "milestone", "milestone", "milestone", "scope_item"]
    assert audit_of(project)[2]["milestone.due_on"] == ["2026-12-15", "2026-12-16"]
