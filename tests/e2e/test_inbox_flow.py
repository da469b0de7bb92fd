"""End to end: a reminder goes out, the client replies, the worker reads it, the next waits."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import ClientFactory
from communications.models import CommunicationSettings, Message
from communications.tests.factories import InvoiceFactory, MessageFactory, ProjectFactory
from inbox import services
from inbox.models import InboundMail, Mailbox
from inbox.tests.conftest import mime
from tests.harness import CeleryProcesses, SmtpSink, wait_for
from timeline.models import Activity

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.dovecot]


def test_a_reply_to_a_sent_reminder_holds_the_next_one_and_shows_on_the_dashboard(
    alice: Any,
    alice_client: Any,
    smtp_sink: SmtpSink,
    celery_processes: CeleryProcesses,
    dovecot: Any,
    settings: Any,
) -> None:
    CommunicationSettings.objects.create(
        owner=alice,
        quiet_from=datetime.time(0, 0),
        quiet_until=datetime.time(0, 0),
        send_on_weekends=True,
        min_gap_days=0,
        reminder_mode="auto",
    )
    acme = ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example", language="de")
    InvoiceFactory(
        project=ProjectFactory(client=acme, update_cadence="none"),
        number="2026-0042",
        due_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    dovecot.add_user("alice", "imap-secret")
    services.mailbox_save(
        owner=alice,
        data={"host": "127.0.0.1", "port": dovecot.port, "security": "plain",
              "username": "alice", "folder": "INBOX", "is_active": True},
        password="imap-secret",
    )  # fmt: skip
    # The worker runs with a SECRET_KEY of its own; this process's key is its fallback, so the
    # password stored here stays readable there (the documented rotation path).
    celery_processes.env.update(INBOX_FETCH_EVERY="1", SECRET_KEY_FALLBACKS=settings.SECRET_KEY)
    celery_processes.worker()
    celery_processes.beat()
    try:
        # 1. The planner and the dispatcher send the first reminder through SMTP.
        wait_for(lambda: smtp_sink.received, timeout=90, what="the reminder")
        [reminder_mail] = smtp_sink.received
        assert "2026-0042" in reminder_mail.subject
        # 2. The next reminder is already planned, to go out in a while.
        following = MessageFactory(
            client=acme,
            kind=Message.Kind.REMINDER_2,
            subject="Zweite Erinnerung: Rechnung 2026-0042",
            status=Message.Status.SCHEDULED,
            send_after=timezone.now() + datetime.timedelta(seconds=25),
        )
        # 3. The client answers the reminder from a private address; the mail reaches Dovecot.
        dovecot.deliver(
            "alice",
            mime(
                sender="Anna Weber <anna.weber@privat.example>",
                subject="AW: " + reminder_mail.subject,
                text="Ich überweise am Freitag.\n\nAm Montag schrieb Alice:\n> Erinnerung",
                in_reply_to=reminder_mail.message_id,
            ),
        )

        # 4. The worker reads it and holds the next reminder.
        def held() -> bool:
            following.refresh_from_db()
            return following.status == Message.Status.HELD

        wait_for(held, timeout=60, what="the next reminder to be held")
        mail = InboundMail.objects.get()
        assert (mail.client, mail.matched_by) == (acme, "thread")
        assert mail.answers.message_id == reminder_mail.message_id
        assert following.held_reason.endswith(": Ich überweise am Freitag.")
        # Its send time passes: still nothing more goes out.
        time.sleep(max(0, (following.send_after - timezone.now()).total_seconds()) + 4)
    except AssertionError:
        print(celery_processes.log())
        print(dovecot.log())
        raise
    following.refresh_from_db()
    assert following.status == Message.Status.HELD
    assert len(smtp_sink.received) == 1
    assert Activity.objects.get(kind=Activity.Kind.REPLY).client == acme
    mailbox = Mailbox.objects.get(owner=alice)
    assert mailbox.last_success_at is not None
    assert mailbox.last_error_code == ""
    # 5. The dashboard says so, with one click to release or discard.
    page = alice_client.get(reverse("dashboard:index")).content.decode()
    assert "Replies to read" in page
    assert "Zweite Erinnerung: Rechnung 2026-0042" in page
    assert reverse("communications:release", args=[following.pk]) in page
