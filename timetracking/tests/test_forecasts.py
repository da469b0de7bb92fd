"""Forecasts from hours: past the estimate while work remains, the milestone is at risk, and the
client hears about it from a delay notice drafted for approval."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from communications.models import CommunicationSettings, Message, SendMode
from communications.planners.delay_notices import delay_notices_plan
from projects.models import Milestone
from projects.tests.factories import MilestoneFactory
from timetracking import forecasts, services
from timetracking.models import HoursForecast, TimeEntry

UTC = datetime.UTC


def test_the_forecast_moves_by_the_extra_work_at_the_planned_pace() -> None:
    # 40 h planned over 20 working days = 2 h a day; 6 h over = 3 days -> one week later.
    due = datetime.date(2026, 11, 27)
    start = datetime.date(2026, 11, 2)
    assert (
        forecasts.forecast_for(
            due_on=due, window_start=start, estimated_hours=Decimal(40), booked_hours=Decimal(40)
        )
        is None
    )
    assert forecasts.forecast_for(
        due_on=due, window_start=start, estimated_hours=Decimal(40), booked_hours=Decimal(46)
    ) == datetime.date(2026, 12, 4)
    # 12 h over = 6 working days -> two weeks.
    assert forecasts.forecast_for(
        due_on=due, window_start=start, estimated_hours=Decimal(40), booked_hours=Decimal(52)
    ) == datetime.date(2026, 12, 11)


def _book(alice: Any, milestone: Milestone, hours: int) -> TimeEntry:
    return services.entry_create(
        entry=TimeEntry(
            project=milestone.project,
            milestone=milestone,
            work_on=datetime.date(2026, 11, 10),
            seconds=hours * 3600,
        ),
        actor=alice,
    )


def test_hours_past_the_estimate_put_an_open_milestone_at_risk(alice: Any, project: Any) -> None:
    milestone = MilestoneFactory(
        project=project,
        title="Entwurf",
        due_on=datetime.date(2026, 11, 27),
        estimated_hours=Decimal(16),
    )
    _book(alice, milestone, 10)
    milestone.refresh_from_db()
    assert milestone.forecast_on is None
    entry = _book(alice, milestone, 8)  # 18 of 16 h
    milestone.refresh_from_db()
    assert milestone.forecast_on == datetime.date(2026, 12, 4)
    assert milestone.state_on(datetime.date(2026, 11, 20)) == Milestone.State.AT_RISK
    assert milestone.delay_reason == "Der Aufwand ist größer als ursprünglich geschätzt."
    assert HoursForecast.objects.get(milestone=milestone).hours == Decimal("18.00")
    # Back under the estimate: the forecast the hours wrote is withdrawn.
    services.entry_delete(entry=entry, actor=alice)
    milestone.refresh_from_db()
    assert (milestone.forecast_on, milestone.delay_reason) == (None, "")
    assert not HoursForecast.objects.exists()


def test_a_done_milestone_gets_no_forecast(alice: Any, project: Any) -> None:
    milestone = MilestoneFactory(
        project=project,
        due_on=datetime.date(2026, 11, 27),
        estimated_hours=Decimal(4),
        done_on=datetime.date(2026, 11, 9),
    )
    _book(alice, milestone, 8)
    milestone.refresh_from_db()
    assert milestone.forecast_on is None


def test_a_later_forecast_typed_by_the_freelancer_stays(alice: Any, project: Any) -> None:
    milestone = MilestoneFactory(
        project=project,
        due_on=datetime.date(2026, 11, 27),
        estimated_hours=Decimal(4),
        forecast_on=datetime.date(2027, 1, 15),
        delay_reason="Waiting for texts",
    )
    _book(alice, milestone, 8)
    milestone.refresh_from_db()
    assert (milestone.forecast_on, milestone.delay_reason) == (
        datetime.date(2027, 1, 15),
        "Waiting for texts",
    )
    assert forecasts.hours_forecast_ids([milestone]) == set()


def test_the_delay_notice_for_a_forecast_from_hours_waits_for_approval(
    alice: Any, project: Any
) -> None:
    # Delay notices go out on their own for this freelancer, but not when the hours guessed.
    CommunicationSettings.objects.create(owner=alice, delay_notice_mode=SendMode.AUTOMATIC)
    milestone = MilestoneFactory(
        project=project,
        title="Entwurf",
        due_on=datetime.date(2026, 11, 27),
        estimated_hours=Decimal(16),
    )
    _book(alice, milestone, 20)
    now = datetime.datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert delay_notices_plan(now=now, owner_ids=[alice.pk]) == 1
    notice = Message.objects.get(kind=Message.Kind.DELAY_NOTICE)
    assert notice.status == Message.Status.DRAFT
    assert notice.dedupe_key == f"delay:milestone:{milestone.pk}:2026-12-04"
    assert "Der Aufwand ist größer als ursprünglich geschätzt." in notice.body_text
    assert "Sie" in notice.body_text  # the client's tone: formal German
    assert delay_notices_plan(now=now, owner_ids=[alice.pk]) == 0


def test_the_sweep_finds_milestones_whose_estimate_was_lowered(alice: Any, project: Any) -> None:
    milestone = MilestoneFactory(
        project=project, due_on=datetime.date(2026, 11, 27), estimated_hours=Decimal(40)
    )
    _book(alice, milestone, 10)
    Milestone.objects.filter(pk=milestone.pk).update(estimated_hours=Decimal(8))
    assert forecasts.forecasts_refresh() == 1
    assert forecasts.forecasts_refresh() == 0
    milestone.refresh_from_db()
    assert milestone.forecast_on is not None
