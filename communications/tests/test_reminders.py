from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from clients.models import Client
from communications import services as comms
from communications.models import CommunicationSettings, Message, ReminderItem
from communications.planners.reminder_upkeep import (
    reminder_pause,
    reminders_cancel_for_invoice,
    reminders_sync_for_invoice,
)
from communications.planners.reminders import reminders_plan
from projects.models import Invoice

from .factories import InvoiceFactory, ProjectFactory

DUE = datetime.date(2026, 11, 2)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)


def plan(day: datetime.date) -> int:
    with time_machine.travel(at(day), tick=False):
        return reminders_plan(now=at(day))


@pytest.fixture
def invoice(acme: Client) -> Invoice:
    return InvoiceFactory(project=ProjectFactory(client=acme), due_on=DUE, number="2026-0042")


def test_it_waits_the_grace_days_then_drafts_one_friendly_reminder(invoice: Invoice) -> None:
    assert plan(DUE + datetime.timedelta(days=2)) == 0
    assert plan(DUE + datetime.timedelta(days=3)) == 1
    assert plan(DUE + datetime.timedelta(days=3)) == 0
    assert plan(DUE + datetime.timedelta(days=4)) == 0
    message = Message.objects.get()
    assert message.kind == Message.Kind.REMINDER_1
    assert message.status == Message.Status.DRAFT
    assert "2026-0042" in message.subject
    assert message.body_text.startswith("Sehr geehrte Frau Dr. Weber,")
    assert "1.190,00" in message.body_text


def test_it_escalates_levels_and_the_final_notice_waits_for_approval_with_a_letter(
    alice: Any, invoice: Invoice
) -> None:
    CommunicationSettings.objects.create(owner=alice, reminder_mode="auto")
    statuses = []
    for days in (3, 14, 28):
        plan(DUE + datetime.timedelta(days=days))
        latest = Message.objects.order_by("-pk").first()
        statuses.append((latest.kind, latest.status))
        Message.objects.filter(status=Message.Status.SCHEDULED).update(status=Message.Status.SENT)
    assert statuses == [
        (Message.Kind.REMINDER_1, Message.Status.SCHEDULED),
        (Message.Kind.REMINDER_2, Message.Status.SCHEDULED),
        (Message.Kind.REMINDER_3, Message.Status.DRAFT),
    ]
    final = Message.objects.get(kind=Message.Kind.REMINDER_3)
    assert final.attachments == [{"type": "reminder_letter"}]


def test_it_withdraws_an_unsent_lower_level_when_the_next_is_due(invoice: Invoice) -> None:
    plan(DUE + datetime.timedelta(days=3))
    plan(DUE + datetime.timedelta(days=14))
    statuses = dict(Message.objects.values_list("kind", "status"))
    assert statuses[Message.Kind.REMINDER_1] == Message.Status.CANCELLED
    assert statuses[Message.Kind.REMINDER_2] == Message.Status.DRAFT


def test_it_sends_only_the_current_level_after_an_outage(invoice: Invoice) -> None:
    assert plan(DUE + datetime.timedelta(days=30)) == 1
    assert Message.objects.get().kind == Message.Kind.REMINDER_3
    assert plan(DUE + datetime.timedelta(days=31)) == 0


def test_it_gives_loyal_clients_double_grace(acme: Client, invoice: Invoice) -> None:
    acme.relationship = Client.Relationship.LOYAL
    acme.save()
    assert plan(DUE + datetime.timedelta(days=5)) == 0
    assert plan(DUE + datetime.timedelta(days=6)) == 1


def test_it_lists_several_overdue_invoices_in_one_message(acme: Client) -> None:
    project = ProjectFactory(client=acme)
    InvoiceFactory(project=project, due_on=DUE, number="A-1")
    InvoiceFactory(project=project, due_on=DUE - datetime.timedelta(days=1), number="A-2")
    assert plan(DUE + datetime.timedelta(days=3)) == 1
    message = Message.objects.get()
    assert "A-1" in message.body_text
    assert "A-2" in message.body_text
    assert "2 offene Rechnungen" in message.subject
    assert message.reminder_items.count() == 2


def test_it_adds_a_newly_due_invoice_to_the_unsent_reminder(acme: Client) -> None:
    project = ProjectFactory(client=acme)
    InvoiceFactory(project=project, due_on=DUE, number="A-1")
    plan(DUE + datetime.timedelta(days=3))
    InvoiceFactory(project=project, due_on=DUE + datetime.timedelta(days=1), number="A-2")
    assert plan(DUE + datetime.timedelta(days=4)) == 1  # extended, not a second message
    message = Message.objects.get()
    assert "A-2" in message.body_text


def test_it_never_lists_an_invoice_twice_at_one_level(invoice: Invoice) -> None:
    plan(DUE + datetime.timedelta(days=3))
    message = Message.objects.get()
    comms.message_approve(message=message)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT)
    plan(DUE + datetime.timedelta(days=5))
    assert Message.objects.count() == 1
    assert ReminderItem.objects.filter(invoice=invoice, level=1).count() == 1


def test_it_updates_the_amount_after_a_partial_payment(invoice: Invoice) -> None:
    plan(DUE + datetime.timedelta(days=3))
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("500.00"), status=Invoice.Status.PARTLY_PAID
    )
    plan(DUE + datetime.timedelta(days=4))
    message = Message.objects.get()
    assert "690,00" in message.body_text
    assert message.reminder_items.get().amount_due == Decimal("690.00")


def test_it_cancels_every_pending_reminder_when_paid_via_the_hook(invoice: Invoice) -> None:
    plan(DUE + datetime.timedelta(days=3))
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)
    invoice.refresh_from_db()
    assert reminders_cancel_for_invoice(invoice=invoice) == 1
    assert Message.objects.get().status == Message.Status.CANCELLED
    assert reminders_cancel_for_invoice(invoice=invoice) == 0


def test_it_cancels_reminders_of_paid_invoices_even_without_the_hook(acme: Client) -> None:
    project = ProjectFactory(client=acme)
    paid = InvoiceFactory(project=project, due_on=DUE, number="A-1")
    InvoiceFactory(project=project, due_on=DUE, number="A-2")
    plan(DUE + datetime.timedelta(days=3))
    Invoice.objects.filter(pk=paid.pk).update(status=Invoice.Status.PAID)
    plan(DUE + datetime.timedelta(days=4))
    message = Message.objects.get()
    assert message.status == Message.Status.DRAFT
    assert "A-1" not in message.body_text
    assert "A-2" in message.body_text


def test_it_pauses_reminders_for_an_invoice_until_the_end_date(invoice: Invoice) -> None:
    with time_machine.travel(at(DUE), tick=False):
        reminder_pause(
            invoice=invoice,
            reason="Reklamation wird geklärt",
            until_on=DUE + datetime.timedelta(days=10),
        )
    assert plan(DUE + datetime.timedelta(days=5)) == 0
    assert plan(DUE + datetime.timedelta(days=11)) == 1


def test_it_withdraws_unsent_reminders_when_a_client_is_paused(
    acme: Client, invoice: Invoice
) -> None:
    plan(DUE + datetime.timedelta(days=3))
    with time_machine.travel(at(DUE + datetime.timedelta(days=3)), tick=False):
        reminder_pause(client=acme, reason="Beschwerde offen")
    assert Message.objects.get().status == Message.Status.CANCELLED
    assert plan(DUE + datetime.timedelta(days=20)) == 0


def test_it_syncs_reminders_with_a_payment_through_the_projects_service(invoice: Invoice) -> None:
    from projects.services.invoices import invoice_mark_paid, invoice_record_payment

    plan(DUE + datetime.timedelta(days=3))
    invoice_record_payment(
        invoice=invoice, amount=Decimal("190.00"), paid_on=DUE + datetime.timedelta(days=4)
    )
    invoice.refresh_from_db()
    reminders_sync_for_invoice(invoice=invoice)
    message = Message.objects.get()
    assert "1.000,00" in message.body_text
    invoice_mark_paid(invoice=invoice, paid_on=DUE + datetime.timedelta(days=5))
    invoice.refresh_from_db()
    reminders_sync_for_invoice(invoice=invoice)
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED
