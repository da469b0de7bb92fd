from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from clients.models import Client
from communications.models import CommunicationSettings, Message
from communications.planners.delay_notices import delay_notices_plan
from communications.planners.keep_in_touch import keep_in_touch_plan
from communications.planners.status_updates import status_updates_plan
from projects.models import Project
from timeline.models import Activity

from .conftest import NOW
from .factories import MilestoneFactory, ProjectFactory

FRIDAY = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)


def test_it_plans_a_status_update_on_the_projects_weekday_once(acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4, title="Relaunch")
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 25))
    assert status_updates_plan(now=FRIDAY) == 1
    assert status_updates_plan(now=FRIDAY) == 0
    message = Message.objects.get(kind=Message.Kind.STATUS_UPDATE)
    assert message.dedupe_key == f"status:project:{project.pk}:2026-11-27"
    assert message.status == Message.Status.SCHEDULED
    assert "Konzept" in message.body_text
    assert message.body_text.startswith("Sehr geehrte Frau Dr. Weber,")
    assert Activity.objects.filter(message=message).count() == 1


def test_it_never_leaves_a_late_milestones_date_blank(acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 25))
    MilestoneFactory(project=project, title="Build", due_on=datetime.date(2026, 11, 20))
    MilestoneFactory(project=project, title="Launch", due_on=datetime.date(2026, 12, 18))
    assert status_updates_plan(now=FRIDAY) == 1
    text = Message.objects.get(kind=Message.Kind.STATUS_UPDATE).body_text
    assert "- Build (neuer Termin folgt)" in text  # late, no new forecast: no empty date
    assert "- Launch, voraussichtlich bis 18.12.2026" in text


def test_it_skips_other_weekdays_and_inactive_projects(acme: Client) -> None:
    ProjectFactory(client=acme, update_weekday=0)
    ProjectFactory(client=acme, update_weekday=4, status=Project.Status.ON_HOLD)
    ProjectFactory(client=acme, update_weekday=4, update_cadence="none")
    assert status_updates_plan(now=FRIDAY) == 0


def test_it_skips_an_update_with_nothing_new(acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    with time_machine.travel(FRIDAY, tick=False):
        status_updates_plan(now=FRIDAY)
    week_later = FRIDAY + datetime.timedelta(days=7)
    with time_machine.travel(week_later, tick=False):
        status_updates_plan(now=week_later)
    second = Message.objects.get(dedupe_key__endswith="2026-12-04")
    assert second.status == Message.Status.CANCELLED
    assert "Nothing new" in second.held_reason


def test_it_drafts_an_update_with_nothing_new_when_the_freelancer_wants(
    alice: Any, acme: Client
) -> None:
    CommunicationSettings.objects.create(owner=alice, nothing_new="draft")
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    with time_machine.travel(FRIDAY, tick=False):
        status_updates_plan(now=FRIDAY)
    with time_machine.travel(FRIDAY + datetime.timedelta(days=7), tick=False):
        status_updates_plan(now=FRIDAY + datetime.timedelta(days=7))
    assert Message.objects.get(dedupe_key__endswith="2026-12-04").status == Message.Status.DRAFT


def test_it_plans_a_delay_notice_once_per_slip(acme: Client) -> None:
    project = ProjectFactory(client=acme)
    milestone = MilestoneFactory(
        project=project,
        due_on=datetime.date(2026, 12, 4),
        forecast_on=datetime.date(2026, 12, 11),
        delay_reason="Die Bilder kommen später.",
    )
    assert delay_notices_plan(now=NOW) == 1
    assert delay_notices_plan(now=NOW) == 0
    notice = Message.objects.get(kind=Message.Kind.DELAY_NOTICE)
    assert notice.dedupe_key == f"delay:milestone:{milestone.pk}:2026-12-11"
    assert notice.status == Message.Status.DRAFT
    assert "11.12.2026" in notice.body_text
    assert "Die Bilder kommen später." in notice.body_text
    milestone.forecast_on = datetime.date(2026, 12, 18)
    milestone.save()
    assert delay_notices_plan(now=NOW) == 1


def test_it_plans_a_delay_notice_when_the_due_date_passes_undone(acme: Client) -> None:
    MilestoneFactory(project=ProjectFactory(client=acme), due_on=datetime.date(2026, 11, 20))
    MilestoneFactory(
        project=ProjectFactory(client=acme),
        due_on=datetime.date(2026, 11, 20),
        done_on=datetime.date(2026, 11, 19),
    )
    assert delay_notices_plan(now=NOW) == 1
    notice = Message.objects.get(kind=Message.Kind.DELAY_NOTICE)
    assert "sobald ich ihn verlässlich absehen kann" in notice.body_text


def test_it_schedules_delay_notices_when_automatic_breaking_the_gap_not_quiet_hours(
    alice: Any, acme: Client
) -> None:
    CommunicationSettings.objects.create(owner=alice, delay_notice_mode="auto")
    MilestoneFactory(
        project=ProjectFactory(client=acme),
        due_on=datetime.date(2026, 12, 4),
        forecast_on=datetime.date(2026, 12, 11),
    )
    Message.objects.create(
        owner=alice,
        client=acme,
        kind=Message.Kind.ONE_OFF,
        dedupe_key="x",
        subject="s",
        body_text="b",
        status=Message.Status.SENT,
        sent_at=NOW - datetime.timedelta(hours=1),
    )
    night = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=datetime.UTC)
    delay_notices_plan(now=night)
    notice = Message.objects.get(kind=Message.Kind.DELAY_NOTICE)
    assert notice.status == Message.Status.SCHEDULED
    assert notice.send_after == datetime.datetime(2026, 11, 25, 7, 0, tzinfo=datetime.UTC)


def test_it_holds_an_automatic_message_to_a_client_without_email(alice: Any, acme: Client) -> None:
    acme.email = ""
    acme.save()
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    status_updates_plan(now=FRIDAY)
    message = Message.objects.get()
    assert message.status == Message.Status.HELD
    assert "no e-mail address" in message.held_reason


def test_it_keeps_the_gap_between_two_routine_messages_to_one_client(acme: Client) -> None:
    for _ in range(2):
        project = ProjectFactory(client=acme, update_weekday=4)
        MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    status_updates_plan(now=FRIDAY)
    first, second = Message.objects.order_by("send_after")
    assert second.send_after - first.send_after >= datetime.timedelta(days=3)


def test_it_drafts_keep_in_touch_weeks_after_the_last_project(acme: Client) -> None:
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=datetime.date(2026, 10, 1))
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=datetime.date(2026, 9, 1))
    assert keep_in_touch_plan(now=NOW) == 1
    assert keep_in_touch_plan(now=NOW) == 0
    message = Message.objects.get()
    assert message.kind == Message.Kind.KEEP_IN_TOUCH
    assert message.status == Message.Status.DRAFT
    assert message.dedupe_key == f"keep_in_touch:client:{acme.pk}:2026-10-01"


def test_it_does_not_keep_in_touch_while_a_project_is_open(acme: Client) -> None:
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=datetime.date(2026, 10, 1))
    ProjectFactory(client=acme, status=Project.Status.ACTIVE)
    assert keep_in_touch_plan(now=NOW) == 0


def test_it_waits_the_configured_weeks(alice: Any, acme: Client) -> None:
    CommunicationSettings.objects.create(owner=alice, keep_in_touch_weeks=10)
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=datetime.date(2026, 10, 1))
    assert keep_in_touch_plan(now=NOW) == 0


@pytest.mark.parametrize("planner", [status_updates_plan, delay_notices_plan, keep_in_touch_plan])
def test_it_never_plans_for_another_freelancers_rows_as_alices(
    planner: Any, globex: Client, alice: Any
) -> None:
    ProjectFactory(client=globex, update_weekday=4)
    planner(now=FRIDAY)
    assert not Message.objects.filter(owner=alice).exists()
