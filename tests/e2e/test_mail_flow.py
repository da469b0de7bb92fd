"""End to end: real Celery worker and beat against Redis, PostgreSQL and an SMTP sink."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.utils import timezone

from clients.tests.factories import ClientFactory
from communications.dispatch import MAX_ATTEMPTS, messages_dispatch
from communications.models import CommunicationSettings, Message
from communications.tests.factories import (
    InvoiceFactory,
    MessageFactory,
    MilestoneFactory,
    ProjectFactory,
)
from tests.harness import CeleryProcesses, SmtpSink, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]


def _no_quiet_hours(user: Any) -> None:
    CommunicationSettings.objects.create(
        owner=user,
        quiet_from=datetime.time(0, 0),
        quiet_until=datetime.time(0, 0),
        send_on_weekends=True,
        min_gap_days=0,
        reminder_mode="auto",
        delay_notice_mode="auto",
    )


def test_it_plans_and_delivers_mail_through_celery_and_smtp(
    alice: Any, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    _no_quiet_hours(alice)
    today = timezone.localdate()
    weber = ClientFactory(
        owner=alice,
        name="Kanzlei Weber",
        email="weber@kanzlei.example",
        language="de",
        form_of_address="formal",
        salutation="Frau Dr. Weber",
    )
    bill = ClientFactory(
        owner=alice,
        name="Initech",
        email="bill@initech.example",
        language="en",
        form_of_address="informal",
        salutation="Bill",
    )
    project = ProjectFactory(
        client=weber, title="Relaunch", update_weekday=today.weekday(), update_cadence="weekly"
    )
    MilestoneFactory(project=project, title="Konzept", done_on=today - datetime.timedelta(days=1))
    MilestoneFactory(
        project=project,
        title="Design",
        due_on=today + datetime.timedelta(days=3),
        forecast_on=today + datetime.timedelta(days=10),
        delay_reason="Die Fotos kommen eine Woche später.",
    )
    InvoiceFactory(
        project=ProjectFactory(client=bill, update_cadence="none"),
        number="2026-0815",
        due_on=today - datetime.timedelta(days=5),
    )
    celery_processes.worker()
    celery_processes.beat()
    try:
        wait_for(lambda: len(smtp_sink.received) >= 3, timeout=90, what="three mails")
        time.sleep(3)  # a few more beat cycles: nothing may arrive twice
    except AssertionError:
        print(celery_processes.log())
        raise
    by_subject = {mail.subject: mail for mail in smtp_sink.received}
    assert len(smtp_sink.received) == 3, list(by_subject)
    status = next(m for s, m in by_subject.items() if s.startswith("Projekt „Relaunch“"))
    assert status.rcpt_tos == ["weber@kanzlei.example"]
    assert status.text.startswith("Sehr geehrte Frau Dr. Weber,")
    assert "Konzept" in status.text
    assert status.message["Reply-To"] == "alice@example.com"
    delay = next(m for s, m in by_subject.items() if "Design" in s)
    assert "Die Fotos kommen eine Woche später." in delay.text
    reminder = next(m for s, m in by_subject.items() if "2026-0815" in s)
    assert reminder.rcpt_tos == ["bill@initech.example"]
    assert reminder.subject == "Quick reminder: invoice 2026-0815"
    assert reminder.text.startswith("Hi Bill,")
    assert reminder.message.get_body(preferencelist=("html",)) is not None
    sent = Message.objects.filter(status=Message.Status.SENT)
    assert sent.count() == 3
    assert {m.message_id for m in sent} == {m.message["Message-ID"] for m in smtp_sink.received}


def test_it_never_resends_when_the_worker_is_killed_while_sending(
    acme_e2e: Any, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    message = MessageFactory(
        client=acme_e2e,
        subject="Nur einmal",
        status=Message.Status.SCHEDULED,
        send_after=timezone.now(),
    )
    smtp_sink.mode = "hang"
    celery_processes.worker()
    celery_processes.beat()
    try:
        wait_for(lambda: smtp_sink.received, timeout=60, what="the data to reach the sink")
        message.refresh_from_db()
        assert message.status == Message.Status.SENDING
        celery_processes.kill("worker")  # SIGKILL after the hand-off, before "sent"
        smtp_sink.mode = "accept"
        celery_processes.worker("worker2")

        def uncertain() -> bool:
            message.refresh_from_db()
            return message.status == Message.Status.UNCERTAIN

        wait_for(uncertain, timeout=60, what="the message to become uncertain")
        time.sleep(4)  # several dispatcher runs: none may resend it
    except AssertionError:
        print(celery_processes.log())
        raise
    message.refresh_from_db()
    assert message.status == Message.Status.UNCERTAIN
    assert "may or may not have arrived" in message.last_error
    assert [mail.subject for mail in smtp_sink.received] == ["Nur einmal"]


@pytest.fixture
def acme_e2e(alice: Any) -> Any:
    _no_quiet_hours(alice)
    return ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example")


@pytest.mark.django_db
def test_it_retries_a_refusing_smtp_server_then_fails_and_loses_nothing(
    alice: Any, smtp_backend: SmtpSink
) -> None:
    smtp_sink = smtp_backend
    client = ClientFactory(owner=alice, email="info@acme.example")
    message = MessageFactory(
        client=client, status=Message.Status.SCHEDULED, send_after=timezone.now()
    )
    smtp_sink.mode = "refuse"
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        messages_dispatch(now=now)
        message.refresh_from_db()
        now = (message.send_after or now) + datetime.timedelta(seconds=1)
    assert message.status == Message.Status.FAILED
    assert "554" in message.last_error
    assert message.attempts == MAX_ATTEMPTS
    assert smtp_sink.received == []
    smtp_sink.mode = "accept"
    from communications import services

    services.message_retry(message=message)
    assert messages_dispatch(now=timezone.now() + datetime.timedelta(seconds=1)).sent == 1
    assert [mail.subject for mail in smtp_sink.received] == [message.subject]
