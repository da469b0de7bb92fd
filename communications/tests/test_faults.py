"""Fault tests that need no subprocess: two dispatchers, a dead broker, a day without beat."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem  # noqa: F401 (mail.backends.locmem below)
from django.db import connection
from django.urls import reverse

from clients.models import Client
from communications.dispatch import messages_dispatch
from communications.models import CommunicationSettings, Message
from communications.planners import messages_plan
from projects.models import Milestone

from .factories import InvoiceFactory, MessageFactory, MilestoneFactory, ProjectFactory

UTC = datetime.UTC


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_sends_a_message_twice_with_two_dispatchers_at_once(acme: Client) -> None:
    now = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    for _ in range(60):
        MessageFactory(client=acme, status=Message.Status.SCHEDULED, send_after=now)
    original = mail.backends.locmem.EmailBackend.send_messages

    def slow_send(self: Any, messages: Any) -> int:
        time.sleep(0.002)  # widen the window in which a second dispatcher could grab a row
        return original(self, messages)

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            start.wait()
            while messages_dispatch(now=now, limit=7).claimed:
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(mail.backends.locmem.EmailBackend, "send_messages", slow_send):
        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 60
    assert len(set(subjects)) == 60
    assert Message.objects.filter(status=Message.Status.SENT).count() == 60


@pytest.mark.redis
def test_it_keeps_the_web_app_working_while_redis_is_down(
    alice_client: Any, acme: Client, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    from communications import services as comms_services
    from crm.celery import app

    draft = MessageFactory(client=acme, subject="Freigabe bitte")
    dead = "redis://127.0.0.1:1/0"
    real = app.conf.broker_url
    try:
        app.conf.broker_url = dead
        with (
            mock.patch.object(app, "_pool", None),
            # The producer pool caches the broker connection pool: without this, later tests
            # (in this process) would keep publishing to the dead broker.
            mock.patch.object(app.amqp, "_producer_pool", None),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            started = time.monotonic()
            response = alice_client.post(reverse("communications:approve", args=[draft.pk]))
            elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = real
        comms_services._broker_down_until[0] = 0.0
    assert response.status_code == 302
    # The enqueue ran, failed, and was swallowed (the other callback renews data generations).
    enqueues = [c for c in callbacks if c.__qualname__.startswith("dispatch_soon")]
    assert len(enqueues) == 1
    assert elapsed < 10
    draft.refresh_from_db()
    assert draft.status == Message.Status.SCHEDULED
    assert mailoutbox == []
    # The mail waits in the outbox; the next sweep (once a worker runs) sends it.
    assert messages_dispatch(now=draft.send_after).sent == 1
    assert mailoutbox[0].subject == "Freigabe bitte"


def test_it_sends_each_due_message_once_after_beat_was_stopped_for_a_day(
    alice: Any, acme: Client, initech: Client, mailoutbox: list[Any]
) -> None:
    CommunicationSettings.objects.create(
        owner=alice, reminder_mode="auto", delay_notice_mode="auto", min_gap_days=0
    )
    friday = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    project = ProjectFactory(client=acme, update_weekday=4)
    MilestoneFactory(project=project, title="Konzept", done_on=datetime.date(2026, 11, 26))
    slipping = MilestoneFactory(project=project, title="Design", due_on=datetime.date(2026, 12, 10))
    InvoiceFactory(
        project=ProjectFactory(client=initech, update_cadence="none"),
        due_on=datetime.date(2026, 11, 20),
    )

    with time_machine.travel(friday, tick=False):
        messages_plan(now=friday)
        messages_dispatch(now=friday)
    sent_friday = len(mailoutbox)
    assert sent_friday == 2, [
        m.subject for m in mailoutbox
    ]  # status update to acme, friendly reminder to initech

    # Beat stops. Meanwhile the forecast slips and time passes: a weekend and a Monday.
    Milestone.objects.filter(pk=slipping.pk).update(forecast_on=datetime.date(2026, 12, 17))
    monday = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    # Beat restarts: the catch-up runs overlap and repeat.
    for minutes in range(5):
        moment = monday + datetime.timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            messages_plan(now=moment)
            messages_plan(now=moment)
            messages_dispatch(now=moment)
            messages_dispatch(now=moment)
    subjects = [message.subject for message in mailoutbox[sent_friday:]]
    assert len(subjects) == 1, subjects  # the delay notice, and no backlog of missed updates
    assert "Design" in subjects[0]
    keys = list(
        Message.objects.filter(status=Message.Status.SENT).values_list("dedupe_key", flat=True)
    )
    assert len(keys) == len(set(keys)) == 3
