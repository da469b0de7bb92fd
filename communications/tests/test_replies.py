"""Client replies hold automatic messages, pause reminders, and the dispatcher checks again."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from clients.models import Client
from communications import replies
from communications import services as comms
from communications.dispatch import messages_dispatch
from communications.models import CommunicationSettings, Message
from communications.planners.reminders import reminders_plan
from communications.planners.status_updates import status_updates_plan
from crm.testing import assert_owner_only
from projects.models import Invoice
from timeline.models import Activity

from .factories import InvoiceFactory, MessageFactory, ProjectFactory

DUE = datetime.date(2026, 11, 2)
# Thursday 12 November 2026, 10:00 in Berlin.
NOW = datetime.datetime(2026, 11, 12, 9, 0, tzinfo=datetime.UTC)


def reply(client: Client, at: datetime.datetime, text: str = "Ich zahle am Freitag.") -> Activity:
    with time_machine.travel(at, tick=False):
        return replies.reply_record(
            client=client, occurred_at=at, subject="AW: Erinnerung", text=text
        )


@pytest.fixture
def open_all_day(alice: Any) -> CommunicationSettings:
    return CommunicationSettings.objects.create(
        owner=alice,
        quiet_from=datetime.time(0, 0),
        quiet_until=datetime.time(0, 0),
        send_on_weekends=True,
        min_gap_days=0,
        reminder_mode="auto",
    )


@pytest.fixture
def invoice(acme: Client) -> Invoice:
    return InvoiceFactory(project=ProjectFactory(client=acme), due_on=DUE, number="2026-0042")


def test_it_holds_waiting_automatic_messages_with_the_reason_in_the_freelancers_language(
    alice: Any, acme: Client
) -> None:
    alice.profile.language = "de"
    alice.profile.save()
    reminder = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_1, status=Message.Status.SCHEDULED
    )
    update = MessageFactory(client=acme, kind=Message.Kind.STATUS_UPDATE)  # a draft
    one_off = MessageFactory(client=acme, kind=Message.Kind.ONE_OFF, status="scheduled")
    sent = MessageFactory(client=acme, kind=Message.Kind.REMINDER_2, status=Message.Status.SENT)
    activity = reply(acme, NOW, "Ich zahle am Freitag.\nViele Grüße")
    assert activity.kind == Activity.Kind.REPLY
    for message in (reminder, update, one_off, sent):
        message.refresh_from_db()
    assert reminder.status == update.status == Message.Status.HELD
    assert reminder.held_reason == "Der Kunde schrieb am 12.11.2026: Ich zahle am Freitag."
    assert reminder.held_by_reply == activity
    assert one_off.status == Message.Status.SCHEDULED  # written by hand: never held
    assert sent.status == Message.Status.SENT


def test_an_auto_reply_goes_on_the_timeline_and_holds_nothing(acme: Client) -> None:
    reminder = MessageFactory(client=acme, kind=Message.Kind.REMINDER_1, status="scheduled")
    activity = replies.reply_record(
        client=acme,
        occurred_at=NOW,
        subject="Abwesenheitsnotiz: Erinnerung",
        text="Ich bin bis 12.01. nicht im Büro.",
        is_automatic=True,
    )
    assert activity.kind == Activity.Kind.AUTO_REPLY
    assert activity.summary == "Ich bin bis 12.01. nicht im Büro."
    reminder.refresh_from_db()
    assert reminder.status == Message.Status.SCHEDULED


def test_it_plans_no_reminder_in_the_days_after_a_reply_then_plans_it(
    alice: Any, acme: Client, invoice: Invoice
) -> None:
    reply(acme, datetime.datetime(2026, 11, 10, 9, 0, tzinfo=datetime.UTC))
    with time_machine.travel(NOW, tick=False):
        assert reminders_plan(now=NOW) == 0  # replied two days ago (pause: 3 days)
    later = NOW + datetime.timedelta(days=1, hours=1)
    with time_machine.travel(later, tick=False):
        assert reminders_plan(now=later) == 1
    assert Message.objects.get().kind == Message.Kind.REMINDER_1


def test_the_pause_follows_the_freelancers_setting(
    alice: Any, acme: Client, invoice: Invoice
) -> None:
    CommunicationSettings.objects.create(owner=alice, reply_pause_days=10)
    reply(acme, datetime.datetime(2026, 11, 5, 9, 0, tzinfo=datetime.UTC))
    with time_machine.travel(NOW, tick=False):
        assert reminders_plan(now=NOW) == 0


def test_a_status_update_planned_after_a_reply_is_planned_held(
    alice: Any, acme: Client, open_all_day: CommunicationSettings
) -> None:
    project = ProjectFactory(
        client=acme, update_weekday=NOW.weekday(), update_cadence="weekly", title="Relaunch"
    )
    activity = reply(acme, NOW - datetime.timedelta(hours=5), "Wie ist der Stand beim Relaunch?")
    with time_machine.travel(NOW, tick=False):
        assert status_updates_plan(now=NOW) == 1
    update = Message.objects.get(project=project)
    assert update.status == Message.Status.HELD
    assert update.held_by_reply == activity
    assert "Wie ist der Stand beim Relaunch?" in update.held_reason


def test_the_dispatcher_holds_a_message_planned_before_a_reply_it_could_not_see(
    acme: Client, open_all_day: CommunicationSettings
) -> None:
    reminder = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_1, status="scheduled", send_after=NOW
    )
    # The reply is recorded while the planner's row was not committed yet: no hold on arrival.
    Activity.objects.create(
        owner=acme.owner,
        client=acme,
        kind=Activity.Kind.REPLY,
        summary="AW",
        detail="Bezahlt!",
        occurred_at=NOW - datetime.timedelta(days=5),
    )
    result = messages_dispatch(now=NOW)
    reminder.refresh_from_db()
    assert result.held == 1
    assert reminder.status == Message.Status.HELD
    assert reminder.attempts == 0
    assert "Bezahlt!" in reminder.held_reason


def test_a_released_message_goes_out_and_only_a_newer_reply_holds_it_again(
    acme: Client, open_all_day: CommunicationSettings, mailoutbox: list[Any]
) -> None:
    reminder = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_1, status="scheduled", send_after=NOW
    )
    reply(acme, NOW)
    reminder.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        comms.message_release(message=reminder)
    assert reminder.status == Message.Status.SCHEDULED
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        assert messages_dispatch(now=NOW + datetime.timedelta(minutes=1)).sent == 1
    assert len(mailoutbox) == 1
    again = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_2, status="scheduled", send_after=NOW
    )
    reply(acme, NOW + datetime.timedelta(minutes=2), "Noch eine Frage")
    again.refresh_from_db()
    assert again.status == Message.Status.HELD
    with pytest.raises(comms.MessageStateError):
        comms.message_release(message=reminder)


def test_the_dashboard_lists_held_messages_and_releases_or_discards_in_place(
    alice: Any, bob: Any, alice_client: Any, acme: Client, invoice: Invoice
) -> None:
    first = MessageFactory(client=acme, kind=Message.Kind.REMINDER_1, status="scheduled")
    second = MessageFactory(client=acme, kind=Message.Kind.STATUS_UPDATE, status="scheduled")
    reply(acme, NOW.replace(year=2030))  # in the future: inside the pause whenever tests run
    page = alice_client.get(reverse("dashboard:index")).content.decode()
    assert "Replies to read" in page
    assert first.subject in page
    assert second.subject in page
    assert "No payment reminder to Acme GmbH before" in page
    response = assert_owner_only(
        reverse("communications:release", args=[first.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={},
        headers={"HX-Request": "true"},
    )
    assert "Released: it will go out." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Message.Status.SCHEDULED
    response = alice_client.post(reverse("communications:discard", args=[second.pk]))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Message.Status.CANCELLED


def test_releasing_a_message_for_a_client_without_address_says_why(
    alice_client: Any, acme: Client
) -> None:
    message = MessageFactory(client=acme, kind=Message.Kind.REMINDER_1, status="scheduled")
    reply(acme, NOW)
    Client.objects.filter(pk=acme.pk).update(email="")
    response = alice_client.post(
        reverse("communications:release", args=[message.pk]), headers={"HX-Request": "true"}
    )
    assert "no e-mail address" in response.content.decode()
    message.refresh_from_db()
    assert message.status == Message.Status.HELD


def test_first_line_skips_empty_lines_and_cuts_long_ones() -> None:
    assert replies.first_line("\n\n  Hallo   Welt \nmehr") == "Hallo Welt"
    assert replies.first_line("x" * 200, limit=10) == "xxxxxxxxx…"
    assert replies.first_line("") == ""
