"""Status updates that tell the state, the offer confirmation and the change-request reply."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import time_machine
from django.utils import timezone

from clients.models import Client
from communications.models import Message
from communications.planners.status_updates import status_updates_plan
from portal.models import PortalLink
from portal.services import portal_offer_accept
from projects.models import ChangeRequest, Project, RevisionRound
from projects.services.change_requests import change_request_accept
from projects.services.project import project_set_status
from projects.services.scope import milestone_update, revision_log
from tests.factories import make_offer

from .factories import MilestoneFactory, ProjectFactory

FRIDAY = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)
NEXT_FRIDAY = FRIDAY + datetime.timedelta(days=7)


def _update(day: datetime.datetime) -> Message:
    with time_machine.travel(day, tick=False):
        status_updates_plan(now=day)
    return Message.objects.get(dedupe_key__endswith=day.date().isoformat())


def test_it_words_the_first_update_as_the_first(acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4, title="Relaunch")
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 25))
    text = _update(FRIDAY).body_text
    assert "mein erstes Update" in text
    assert "Seit dem letzten Update" not in text
    assert "Bereits abgeschlossen:\n- Konzept" in text


def test_it_never_says_on_plan_while_a_milestone_is_at_risk(acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, done_on=datetime.date(2026, 11, 25))
    _update(FRIDAY)
    MilestoneFactory(
        project=project,
        title="Shop",
        due_on=datetime.date(2026, 12, 10),
        forecast_on=datetime.date(2026, 12, 17),
        delay_reason="Die Zahlungsanbindung braucht eine zweite Testrunde.",
    )
    for phrase in ("planmäßig", "wie geplant", "liegen im Plan"):
        assert phrase not in _update(NEXT_FRIDAY).body_text
    text = Message.objects.get(dedupe_key__endswith="2026-12-04").body_text
    assert "- Shop: geplant für den 10.12.2026, jetzt voraussichtlich am 17.12.2026" in text
    assert "zweite Testrunde" in text


def test_it_counts_a_slip_since_the_last_update_as_news(alice: Any, acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    milestone = MilestoneFactory(project=project, title="Shop", due_on=datetime.date(2026, 12, 18))
    _update(FRIDAY)
    with time_machine.travel(FRIDAY + datetime.timedelta(days=2), tick=False):
        milestone.forecast_on = datetime.date(2026, 12, 23)
        milestone.delay_reason = "Die Schnittstelle braucht mehr Zeit."
        milestone_update(milestone=milestone, actor=alice)
    second = _update(NEXT_FRIDAY)
    assert second.status == Message.Status.SCHEDULED  # news, not "skipped: nothing new"
    assert "jetzt voraussichtlich am 23.12.2026" in second.body_text


def test_it_counts_an_accepted_change_request_as_news(alice: Any, acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, due_on=datetime.date(2026, 12, 18))
    _update(FRIDAY)
    change = ChangeRequest.objects.create(
        owner=alice,
        project=project,
        title="Newsletter",
        description="x",
        requested_on=FRIDAY.date(),
    )
    with time_machine.travel(FRIDAY + datetime.timedelta(days=1), tick=False):
        change_request_accept(
            change_request=change,
            price=Decimal("300"),
            deadline_impact_days=0,
            amend_offer=False,
            actor=alice,
        )
    second = _update(NEXT_FRIDAY)
    assert second.status == Message.Status.SCHEDULED
    assert "Neu im Umfang:\n- Newsletter (300,00" in second.body_text


def test_it_withdraws_the_updates_of_a_closed_project(alice: Any, acme: Client) -> None:
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 25))
    update = _update(FRIDAY)
    assert update.status == Message.Status.SCHEDULED
    project_set_status(project=project, status=Project.Status.DELIVERED, actor=alice)
    project_set_status(project=project, status=Project.Status.CLOSED, actor=alice)
    update.refresh_from_db()
    assert update.status == Message.Status.CANCELLED
    wrap_up = Message.objects.get(kind=Message.Kind.WRAP_UP)
    assert wrap_up.status == Message.Status.DRAFT


def test_it_confirms_an_offer_accepted_in_the_portal(alice: Any, acme: Client) -> None:
    project = ProjectFactory(client=acme, status=Project.Status.OFFERED, title="Relaunch")
    offer = make_offer(project)
    link = PortalLink.objects.create(owner=alice, project=project)
    result = portal_offer_accept(
        link=link,
        offer_id=offer.pk,
        version=offer.version,
        name="Dr. Weber",
        ip="127.0.0.1",
        now=timezone.now(),
    )
    assert result.outcome == "accepted"
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE  # as with the freelancer's button
    confirmation = Message.objects.get(kind=Message.Kind.OFFER_ACCEPTED)
    assert confirmation.status == Message.Status.SCHEDULED  # through the outbox, in tone
    assert confirmation.body_text.startswith("Sehr geehrte Frau Dr. Weber,")
    assert f"Zusage zum Angebot {offer.number}" in confirmation.body_text


def test_it_replies_to_an_accepted_change_without_asking_to_confirm(
    alice: Any, acme: Client
) -> None:
    project = ProjectFactory(client=acme, deadline_on=datetime.date(2026, 12, 18))
    change = ChangeRequest.objects.create(
        owner=alice, project=project, title="Blog", description="x", requested_on=FRIDAY.date()
    )
    change_request_accept(
        change_request=change,
        price=Decimal("450"),
        deadline_impact_days=5,
        amend_offer=False,
        actor=alice,
    )
    change.refresh_from_db()
    assert "Bestätigung" not in change.reply_body
    assert "aufgenommen" in change.reply_body
    assert "neue Abgabetermin ist der 23.12.2026" in change.reply_body


def test_it_counts_a_milestone_back_on_plan_and_a_revision_as_news(
    alice: Any, acme: Client
) -> None:
    project = ProjectFactory(client=acme, update_weekday=4, revisions_agreed=2)
    milestone = MilestoneFactory(
        project=project,
        title="Shop",
        due_on=datetime.date(2026, 12, 18),
        forecast_on=datetime.date(2026, 12, 23),
        delay_reason="Die Schnittstelle braucht mehr Zeit.",
    )
    assert "jetzt voraussichtlich am 23.12.2026" in _update(FRIDAY).body_text
    with time_machine.travel(FRIDAY + datetime.timedelta(days=2), tick=False):
        milestone.forecast_on = None
        milestone.delay_reason = ""
        milestone_update(milestone=milestone, actor=alice)
        revision_log(
            revision=RevisionRound(project=project, requested_on=FRIDAY.date(), description="x"),
            actor=alice,
        )
    second = _update(NEXT_FRIDAY)
    assert second.status == Message.Status.SCHEDULED
    assert "Wieder im Plan:\n- Shop, wie vereinbart bis 18.12.2026" in second.body_text
    assert "Korrekturrunden: 1 genutzt, 2 vereinbart." in second.body_text
    assert "Später als ursprünglich geplant" not in second.body_text
