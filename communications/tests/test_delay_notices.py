"""Delay notices at once, one per slip: planned in the request that saves the later forecast."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from communications.models import Message
from communications.planners.delay_notices import delay_notices_plan
from projects.models import Milestone
from projects.services.scope import milestone_update

from .conftest import NOW
from .factories import MilestoneFactory, ProjectFactory


@pytest.fixture(autouse=True)
def _tuesday() -> Any:
    """A Tuesday at 10:00 in Berlin: inside working hours."""
    with time_machine.travel(NOW, tick=False):
        yield


def _slip(alice: Any, milestone: Milestone, forecast: datetime.date | None, capture: Any) -> None:
    with capture(execute=True):
        milestone.forecast_on = forecast
        milestone.delay_reason = (
            "Die Schnittstelle braucht eine zweite Testrunde." if forecast else ""
        )
        milestone_update(milestone=milestone, actor=alice)


def _notices(milestone: Milestone) -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(milestone=milestone)
        .order_by("pk")
        .values_list("dedupe_key", "status")
    )


def test_it_plans_the_notice_in_the_request_that_saves_the_slip(
    alice: Any, alice_client: Any, acme: Client, django_capture_on_commit_callbacks: Any
) -> None:
    due = timezone.localdate() + datetime.timedelta(days=10)
    milestone = MilestoneFactory(project=ProjectFactory(client=acme), title="Shop", due_on=due)
    later = due + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("projects:milestone_edit", args=[milestone.pk]),
            {
                "title": "Shop",
                "due_on": due.isoformat(),
                "forecast_on": later.isoformat(),
                "delay_reason": "Die Zahlungsanbindung braucht eine zweite Testrunde.",
            },
        )
    assert response.status_code in {200, 302}
    notice = Message.objects.get(kind=Message.Kind.DELAY_NOTICE)
    assert notice.status == Message.Status.DRAFT
    assert notice.dedupe_key == f"delay:milestone:{milestone.pk}:{later.isoformat()}"
    # On the dashboard at once; its page says it waits for approval and when it would go.
    dashboard = alice_client.get(reverse("dashboard:index")).content.decode()
    assert f'id="draft-{notice.pk}"' in dashboard
    page = alice_client.get(reverse("communications:detail", args=[notice.pk])).content.decode()
    assert "Waits for your approval; once approved it goes within the next minute." in page


def test_it_replaces_an_unsent_notice_on_a_further_slip_and_withdraws_it_on_return(
    alice: Any, acme: Client, django_capture_on_commit_callbacks: Any
) -> None:
    milestone = MilestoneFactory(
        project=ProjectFactory(client=acme), due_on=datetime.date(2026, 12, 14)
    )
    _slip(alice, milestone, datetime.date(2026, 12, 20), django_capture_on_commit_callbacks)
    _slip(alice, milestone, datetime.date(2026, 12, 28), django_capture_on_commit_callbacks)
    assert _notices(milestone) == [
        (f"delay:milestone:{milestone.pk}:2026-12-20", "cancelled"),
        (f"delay:milestone:{milestone.pk}:2026-12-28", "draft"),
    ]
    _slip(alice, milestone, None, django_capture_on_commit_callbacks)
    assert [status for _key, status in _notices(milestone)] == ["cancelled", "cancelled"]
    assert delay_notices_plan() == 0  # the periodic planner agrees: nothing to say


def test_it_follows_a_sent_notice_with_a_correction_only_when_the_date_moves(
    alice: Any, acme: Client, django_capture_on_commit_callbacks: Any
) -> None:
    milestone = MilestoneFactory(
        project=ProjectFactory(client=acme), due_on=datetime.date(2026, 12, 14)
    )
    _slip(alice, milestone, datetime.date(2026, 12, 20), django_capture_on_commit_callbacks)
    Message.objects.filter(milestone=milestone).update(status=Message.Status.SENT)
    _slip(alice, milestone, datetime.date(2026, 12, 20), django_capture_on_commit_callbacks)
    assert len(_notices(milestone)) == 1  # saved again, same date: nothing new to say
    _slip(alice, milestone, datetime.date(2027, 1, 8), django_capture_on_commit_callbacks)
    correction = Message.objects.get(milestone=milestone, status=Message.Status.DRAFT)
    assert "Zuletzt hatte ich Ihnen den 20.12.2026 genannt" in correction.body_text
    assert "08.01.2027" in correction.subject
    assert Message.objects.filter(milestone=milestone, status=Message.Status.SENT).count() == 1


def test_it_plans_again_for_a_date_whose_notice_was_withdrawn(
    alice: Any, acme: Client, django_capture_on_commit_callbacks: Any
) -> None:
    milestone = MilestoneFactory(
        project=ProjectFactory(client=acme), due_on=datetime.date(2026, 12, 14)
    )
    for forecast in (datetime.date(2026, 12, 20), datetime.date(2026, 12, 28)):
        _slip(alice, milestone, forecast, django_capture_on_commit_callbacks)
    _slip(alice, milestone, datetime.date(2026, 12, 20), django_capture_on_commit_callbacks)
    assert _notices(milestone) == [
        (f"delay:milestone:{milestone.pk}:2026-12-20", "draft"),
        (f"delay:milestone:{milestone.pk}:2026-12-28", "cancelled"),
    ]
    assert delay_notices_plan() == 0
