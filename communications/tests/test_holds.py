"""A paused client gets no automatic message: planners, approval and dispatcher run for real."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from clients.models import Client
from clients.tests.test_views_client import valid_form
from communications import services as comms
from communications.dispatch import messages_dispatch
from communications.models import CommunicationSettings, Message
from communications.planners import messages_plan
from projects.models import Project

from .factories import InvoiceFactory, MessageFactory, MilestoneFactory, ProjectFactory

# Friday 27.11.2026, 10:00 in Berlin.
FRIDAY = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)


def run(moment: datetime.datetime) -> Any:
    """Run every planner, then the dispatcher, at ``moment`` (as beat would)."""
    with time_machine.travel(moment, tick=False):
        messages_plan(now=moment)
        return messages_dispatch(now=moment)


def pause(client: Client, status: str = Client.Status.PAUSED) -> None:
    client.status = status
    client.save()


@pytest.fixture
def busy(alice: Any, acme: Client) -> Client:
    """Acme with a status update due today, a slipping milestone, an overdue invoice and an
    ended project: every planner has something to say, and everything is automatic."""
    CommunicationSettings.objects.create(
        owner=alice, delay_notice_mode="auto", reminder_mode="auto", min_gap_days=0
    )
    project = ProjectFactory(client=acme, update_weekday=4, title="Relaunch")
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 25))
    MilestoneFactory(
        project=project,
        title="Build",
        due_on=datetime.date(2026, 12, 4),
        forecast_on=datetime.date(2026, 12, 11),
    )
    InvoiceFactory(project=project, due_on=datetime.date(2026, 11, 10))
    ProjectFactory(client=acme, status=Project.Status.CLOSED, ended_on=datetime.date(2026, 9, 1))
    return acme


def test_a_paused_client_gets_every_automatic_message_held_with_the_reason(
    busy: Client, mailoutbox: list[Any]
) -> None:
    pause(busy)
    result = run(FRIDAY)
    messages = list(Message.objects.filter(client=busy))
    kinds = {message.kind for message in messages}
    assert {Message.Kind.STATUS_UPDATE, Message.Kind.DELAY_NOTICE, Message.Kind.REMINDER_1} <= kinds
    assert all(message.status == Message.Status.HELD for message in messages)
    assert all(message.held_by_pause for message in messages)
    assert all("paused" in message.held_reason for message in messages)
    assert result.sent == 0
    assert mailoutbox == []


def test_pausing_through_the_client_form_holds_what_was_waiting_at_once(
    alice_client: Any, busy: Client, mailoutbox: list[Any]
) -> None:
    with time_machine.travel(FRIDAY - datetime.timedelta(hours=2), tick=False):
        messages_plan(now=FRIDAY - datetime.timedelta(hours=2))  # 08:00 Berlin: scheduled
    waiting = Message.objects.filter(client=busy, status=Message.Status.SCHEDULED)
    assert waiting.exists()
    form = valid_form(status="paused", name=busy.name, email=busy.email)
    response = alice_client.post(reverse("clients:edit", args=[busy.pk]), form)
    assert response.status_code == 302
    assert not waiting.exists()
    assert messages_dispatch(now=FRIDAY).sent == 0
    assert mailoutbox == []


def test_the_dispatcher_holds_a_message_scheduled_before_the_pause(
    acme: Client, mailoutbox: list[Any]
) -> None:
    message = MessageFactory(
        client=acme,
        kind=Message.Kind.STATUS_UPDATE,
        status=Message.Status.SCHEDULED,
        send_after=FRIDAY,
    )
    one_off = MessageFactory(client=acme, status=Message.Status.SCHEDULED, send_after=FRIDAY)
    Client.objects.filter(pk=acme.pk).update(status=Client.Status.PAUSED)  # no event, no sweep
    result = messages_dispatch(now=FRIDAY)
    message.refresh_from_db()
    assert (message.status, message.held_by_pause) == (Message.Status.HELD, True)
    # What the freelancer wrote by hand is not automatic: it goes.
    assert result.sent == 1
    assert mailoutbox[0].subject == one_off.subject


def test_approving_a_draft_of_a_paused_client_holds_it(acme: Client) -> None:
    draft = MessageFactory(client=acme, kind=Message.Kind.DELAY_NOTICE)
    pause(acme)
    comms.message_approve(message=draft)
    draft.refresh_from_db()
    assert draft.status == Message.Status.HELD
    assert draft.held_from == Message.Status.SCHEDULED


def test_ending_the_pause_releases_nothing_the_freelancer_decides_per_message(
    busy: Client, mailoutbox: list[Any]
) -> None:
    pause(busy)
    run(FRIDAY)
    held = list(Message.objects.filter(client=busy, status=Message.Status.HELD))
    with pytest.raises(comms.MessageStateError, match="still paused"):
        comms.message_release(message=held[0])
    pause(busy, Client.Status.ACTIVE)
    later = FRIDAY + datetime.timedelta(days=3)
    assert run(later).sent == 0
    assert Message.objects.filter(client=busy, status=Message.Status.HELD).count() == len(held)
    assert mailoutbox == []
    update = next(m for m in held if m.kind == Message.Kind.STATUS_UPDATE)
    with time_machine.travel(later, tick=False):
        comms.message_release(message=update)
        comms.message_cancel(message=next(m for m in held if m.kind == Message.Kind.REMINDER_1))
    assert messages_dispatch(now=later + datetime.timedelta(hours=1)).sent == 1
    assert [mail.subject for mail in mailoutbox] == [update.subject]


def test_a_held_draft_goes_back_to_the_drafts_never_out(acme: Client) -> None:
    final = MessageFactory(client=acme, kind=Message.Kind.REMINDER_3)
    pause(acme)
    with time_machine.travel(FRIDAY, tick=False):
        messages_plan(now=FRIDAY)
    final.refresh_from_db()
    assert (final.status, final.held_from) == (Message.Status.HELD, Message.Status.DRAFT)
    pause(acme, Client.Status.ACTIVE)
    comms.message_release(message=final)
    assert final.status == Message.Status.DRAFT  # the final notice still waits for approval
    assert messages_dispatch(now=FRIDAY + datetime.timedelta(days=1)).claimed == 0


def test_the_client_page_and_the_dashboard_say_so(
    alice_client: Any, busy: Client, mailoutbox: list[Any]
) -> None:
    pause(busy)
    run(FRIDAY)
    page = alice_client.get(reverse("clients:detail", args=[busy.pk])).content.decode()
    assert "Paused: no automatic messages" in page
    assert page.count('id="held-') == Message.objects.filter(held_by_pause=True).count()
    assert "Release it once the pause has ended." in page
    dashboard = alice_client.get(reverse("dashboard:index")).content.decode()
    assert 'data-testid="paused-clients"' in dashboard
    assert "paused, no automatic messages go out." in dashboard
    pause(busy, Client.Status.ACTIVE)
    page = alice_client.get(reverse("clients:detail", args=[busy.pk])).content.decode()
    assert "Held while the client was paused" in page
    message = Message.objects.filter(held_by_pause=True).first()
    url = reverse("communications:release", args=[message.pk])
    response = alice_client.post(url, {"next": reverse("clients:detail", args=[busy.pk])})
    assert response.url == reverse("clients:detail", args=[busy.pk])
    message.refresh_from_db()
    assert message.status in (Message.Status.DRAFT, Message.Status.SCHEDULED)


def test_the_message_page_names_the_attachment_as_the_client_sees_it(
    alice_client: Any, acme: Client
) -> None:
    final = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_3, attachments=[{"type": "reminder_letter"}]
    )
    page = alice_client.get(reverse("communications:detail", args=[final.pk])).content.decode()
    assert f"Mahnung-{final.created_at:%Y-%m-%d}.pdf" in page
    assert "reminder_letter" not in page


def test_a_final_notice_held_by_a_reply_is_never_sent_by_the_release(acme: Client) -> None:
    from communications.replies import reply_record

    final = MessageFactory(client=acme, kind=Message.Kind.REMINDER_3)
    reply_record(client=acme, occurred_at=FRIDAY, subject="Re: Mahnung", text="Zahle Freitag.")
    final.refresh_from_db()
    assert (final.status, final.held_from) == (Message.Status.HELD, Message.Status.DRAFT)
    comms.message_release(message=final)
    assert final.status == Message.Status.DRAFT
    assert messages_dispatch(now=FRIDAY + datetime.timedelta(days=1)).claimed == 0
