"""End to end: a bank statement pays an invoice whose reminder is due, with the real worker.

The booking (banking.services.statement_import -> projects' invoice_record_payment) cancels the
invoice's unsent reminder inside its own transaction. While that transaction is open, the real
Celery dispatcher sweeps every second and must skip the locked reminder (it claims with
``select_for_update(skip_locked=True)``) while it sends another client's reminder; after the
commit the reminder is cancelled, so no later sweep sends it either.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from banking import services
from banking.tests.statements import Entry, Tx, camt
from clients.tests.factories import ClientFactory
from communications.models import CommunicationSettings, Message
from communications.planners.reminders import reminders_plan
from communications.tests.factories import InvoiceFactory, ProjectFactory
from projects.models import Invoice
from tests.harness import CeleryProcesses, SmtpSink, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]


def test_it_cancels_a_due_reminder_in_the_booking_before_the_dispatcher_can_send_it(
    alice: Any, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    CommunicationSettings.objects.create(
        owner=alice,
        quiet_from=datetime.time(0, 0),
        quiet_until=datetime.time(0, 0),
        send_on_weekends=True,
        min_gap_days=0,
        reminder_mode="auto",
    )
    today = timezone.localdate()
    acme = ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example")
    initech = ClientFactory(
        owner=alice, name="Initech", email="bill@initech.example", language="en"
    )
    overdue = today - datetime.timedelta(days=10)
    paid = InvoiceFactory(
        project=ProjectFactory(client=acme, update_cadence="none"),
        number="2026-0042",
        due_on=overdue,
    )
    InvoiceFactory(
        project=ProjectFactory(client=initech, update_cadence="none"),
        number="2026-0045",
        due_on=overdue,
    )
    assert reminders_plan(now=timezone.now()) == 2
    Message.objects.update(status=Message.Status.SCHEDULED, send_after=timezone.now())
    reminder = Message.objects.get(reminder_items__invoice=paid)
    other = Message.objects.exclude(pk=reminder.pk).get()
    payment = Tx(name="Acme GmbH", iban="DE02120300000000202051", remittance=["RE 2026-0042"])
    statement = camt([Entry(Decimal("1190.00"), today, reference="E2E-0001", txs=[payment])])

    try:
        with transaction.atomic():
            result = services.statement_import(user=alice, data=statement, file_name="e2e.xml")
            assert result.booked == 1
            # The booking is written but not committed: the reminder row is locked. The real
            # dispatcher now sweeps every second and sends the other client's reminder.
            celery_processes.worker()
            celery_processes.beat()
            wait_for(
                lambda: other.subject in smtp_sink.subjects(), timeout=90, what="the other mail"
            )
            time.sleep(3)  # three more sweeps over the due, locked reminder
            assert smtp_sink.subjects() == [other.subject]
        # Committed: the invoice is paid and its reminder cancelled in the same commit.
        time.sleep(4)  # more sweeps after the commit: nothing may go out
    except AssertionError:
        print(celery_processes.log())
        raise
    reminder.refresh_from_db()
    assert reminder.status == Message.Status.CANCELLED
    paid.refresh_from_db()
    assert paid.status == Invoice.Status.PAID
    assert smtp_sink.subjects() == [other.subject]
    assert all("2026-0042" not in subject for subject in smtp_sink.subjects())
