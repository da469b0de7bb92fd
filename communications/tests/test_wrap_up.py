"""Keep in touch follows the setting; a closed project gets a wrap-up draft in tone."""

from __future__ import annotations

import datetime
from typing import Any

from clients.models import Client
from communications.models import CommunicationSettings, Message
from communications.planners.keep_in_touch import keep_in_touch_plan
from projects.models import Project, ScopeItem
from projects.services.project import project_set_status

from .conftest import NOW
from .factories import MilestoneFactory, ProjectFactory


def test_it_keeps_in_touch_after_twenty_weeks(alice: Any, acme: Client) -> None:
    CommunicationSettings.objects.create(owner=alice, keep_in_touch_weeks=20)
    ended = NOW.date() - datetime.timedelta(weeks=21)
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=ended, title="Shop")
    assert keep_in_touch_plan(now=NOW) == 1
    text = Message.objects.get(kind=Message.Kind.KEEP_IN_TOUCH).body_text
    assert (
        f"am {ended:%d.%m.%Y} haben wir „Shop“ abgeschlossen" in text
    )  # a date, not "a few weeks"


def test_it_drafts_a_wrap_up_in_tone_when_a_project_is_closed(alice: Any, initech: Client) -> None:
    project = ProjectFactory(client=initech, status=Project.Status.DELIVERED, title="Shop")
    ScopeItem.objects.create(project=project, title="Product pages")
    MilestoneFactory(
        project=project, due_on=datetime.date(2026, 11, 10), done_on=datetime.date(2026, 11, 9)
    )
    project_set_status(project=project, status=Project.Status.CLOSED, actor=alice)
    project_set_status(project=project, status=Project.Status.CLOSED, actor=alice)
    wrap_up = Message.objects.get(kind=Message.Kind.WRAP_UP)
    assert wrap_up.status == Message.Status.DRAFT
    text = wrap_up.body_text
    assert text.startswith("Hi Bill,")
    assert "thank you" in text  # thanks
    assert "- Product pages" in text  # what was delivered
    assert "Every milestone landed on its agreed date" in text  # what was learned
    assert "give me a shout" in text  # an open door
