from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from clients.models import Client
from communications import services as comms
from communications.dispatch import messages_dispatch
from communications.models import CommunicationSettings, Message, ReminderItem
from communications.planners.reminder_upkeep import (
    reminder_pause,
    reminder_pause_lift,
    reminders_cancel_for_invoice,
    reminders_sync_for_invoices,
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


def deliver(day: datetime.date) -> int:
    """Approve the waiting drafts as the freelancer would, then run the real dispatcher."""
    with time_machine.travel(at(day), tick=False):
        for draft in Message.objects.filter(status=Message.Status.DRAFT):
            comms.message_approve(message=draft)
        return messages_dispatch(now=at(day)).sent


def comms_lift(pause: Any) -> None:
    reminder_pause_lift(pause=pause)


def days(n: int) -> datetime.date:
    return DUE + datetime.timedelta(days=n)


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
    for day in (3, 14, 28):
        plan(days(day))
        latest = Message.objects.order_by("-pk").first()
        statuses.append((latest.kind, latest.status))
        with time_machine.travel(at(days(day)), tick=False):
            messages_dispatch(now=at(days(day)))
    assert statuses == [
        (Message.Kind.REMINDER_1, Message.Status.SCHEDULED),
        (Message.Kind.REMINDER_2, Message.Status.SCHEDULED),
        (Message.Kind.REMINDER_3, Message.Status.DRAFT),
    ]
    final = Message.objects.get(kind=Message.Kind.REMINDER_3)
    assert final.attachments == [{"type": "reminder_letter"}]
    # Only the freelancer's approval sends it.
    assert messages_dispatch(now=at(days(40))).sent == 0


def test_a_higher_level_waits_for_the_lower_one_to_be_sent(invoice: Invoice) -> None:
    plan(days(3))
    # The friendly note is still a draft: no clear reminder, however late it gets.
    assert plan(days(14)) == 0
    assert plan(days(40)) == 0
    assert list(Message.objects.values_list("kind", "status")) == [
        (Message.Kind.REMINDER_1, Message.Status.DRAFT)
    ]
    assert deliver(days(43)) == 1
    # The interval (14 - 3 = 11 days) counts from the day it was sent.
    assert plan(days(53)) == 0
    assert plan(days(54)) == 1
    assert Message.objects.order_by("-pk").first().kind == Message.Kind.REMINDER_2


def test_the_first_reminder_of_a_long_overdue_invoice_is_the_friendly_note(
    invoice: Invoice,
) -> None:
    assert plan(days(64)) == 1
    message = Message.objects.get()
    assert message.kind == Message.Kind.REMINDER_1
    assert "Letzte Mahnung" not in message.subject
    assert "Erinnerungen" not in message.body_text
    assert plan(days(65)) == 0


def test_the_final_notice_names_the_reminders_actually_sent_and_a_date(
    invoice: Invoice,
) -> None:
    for day in (3, 14):
        plan(days(day))
        deliver(days(day))
    plan(days(28))
    final = Message.objects.get(kind=Message.Kind.REMINDER_3)
    assert final.status == Message.Status.DRAFT
    text = final.body_text
    assert "trotz meiner Erinnerungen vom 05.11.2026, 16.11.2026" in text
    assert "bis zum 10.12.2026" in text  # written on 30.11., ten days to pay
    assert "nach Erhalt" not in text
    assert "danke" not in text.lower()
    assert "PDF" not in text
    second = Message.objects.get(kind=Message.Kind.REMINDER_2)
    assert "ich hatte Sie am 05.11.2026 an die folgende Rechnung erinnert" in second.body_text
    assert "bis zum 23.11.2026" in second.body_text


def test_approving_a_final_notice_later_sets_the_date_from_the_day_it_goes(
    invoice: Invoice,
) -> None:
    for day in (3, 14):
        plan(days(day))
        deliver(days(day))
    plan(days(28))  # Monday 30.11.
    final = Message.objects.get(kind=Message.Kind.REMINDER_3)
    assert "bis zum 10.12.2026" in final.body_text
    with time_machine.travel(at(days(31)), tick=False):  # approved on Thursday 03.12.
        comms.message_approve(message=final)
    assert "bis zum 13.12.2026" in final.body_text
    assert final.status == Message.Status.SCHEDULED


def test_an_edited_reminder_keeps_the_freelancers_words_on_approval(invoice: Invoice) -> None:
    plan(days(3))
    draft = Message.objects.get()
    comms.message_edit(message=draft, subject=draft.subject, body_text="Meine eigenen Worte.")
    with time_machine.travel(at(days(5)), tick=False):
        comms.message_approve(message=draft)
    assert draft.body_text == "Meine eigenen Worte."


def test_grace_days_follow_every_relationship(alice: Any, acme: Client, invoice: Invoice) -> None:
    # Defaults: new clients no grace, regular 3 days, loyal 7 days (on top of the 3 days).
    expectations = {
        Client.Relationship.NEW: 3,
        Client.Relationship.REGULAR: 6,
        Client.Relationship.LOYAL: 10,
    }
    for relationship, first_day in expectations.items():
        Message.objects.all().delete()
        acme.relationship = relationship
        acme.save()
        assert plan(days(first_day - 1)) == 0, relationship
        assert plan(days(first_day)) == 1, relationship
    CommunicationSettings.objects.create(
        owner=alice, grace_new_days=1, grace_regular_days=5, grace_loyal_days=20
    )
    Message.objects.all().delete()
    acme.relationship = Client.Relationship.REGULAR
    acme.save()
    assert plan(days(7)) == 0
    assert plan(days(8)) == 1


def test_after_a_mahnstopp_the_sequence_resumes_where_it_stopped(
    acme: Client, invoice: Invoice
) -> None:
    plan(days(3))
    deliver(days(3))  # the friendly note went out on day 3; the clear reminder is due on day 14
    with time_machine.travel(at(days(8)), tick=False):
        pause = reminder_pause(client=acme, reason="Reklamation wird geklärt")
    assert plan(days(30)) == 0
    with time_machine.travel(at(days(60)), tick=False):
        comms_lift(pause)
    # Five days ran before the pause (3 -> 8); six of the eleven are left: day 66, level 2.
    assert plan(days(65)) == 0
    assert plan(days(66)) == 1
    latest = Message.objects.order_by("-pk").first()
    assert latest.kind == Message.Kind.REMINDER_2
    assert not Message.objects.filter(kind=Message.Kind.REMINDER_3).exists()


def test_a_paused_invoice_starts_with_the_friendly_note(invoice: Invoice) -> None:
    with time_machine.travel(at(DUE), tick=False):
        reminder_pause(invoice=invoice, reason="Streit", until_on=days(50))
    assert plan(days(50)) == 0
    # Paused from the due date to day 50: the three days run from day 51.
    assert plan(days(53)) == 0
    assert plan(days(54)) == 1
    assert Message.objects.get().kind == Message.Kind.REMINDER_1


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
    with time_machine.travel(at(days(2)), tick=False):
        reminder_pause(invoice=invoice, reason="Reklamation wird geklärt", until_on=days(10))
    assert plan(days(5)) == 0
    # Days 0-1 counted, the pause covered days 2-10: one day is left after it.
    assert plan(days(11)) == 0
    assert plan(days(12)) == 1


def test_it_withdraws_unsent_reminders_when_a_client_is_paused(
    acme: Client, invoice: Invoice
) -> None:
    plan(DUE + datetime.timedelta(days=3))
    with time_machine.travel(at(DUE + datetime.timedelta(days=3)), tick=False):
        reminder_pause(client=acme, reason="Beschwerde offen")
    assert Message.objects.get().status == Message.Status.CANCELLED
    assert plan(DUE + datetime.timedelta(days=20)) == 0


def test_it_syncs_reminders_with_a_payment_through_the_projects_service(invoice: Invoice) -> None:
    from projects.services.payments import invoice_mark_paid, invoice_record_payment

    plan(DUE + datetime.timedelta(days=3))
    invoice_record_payment(
        invoice=invoice, amount=Decimal("190.00"), paid_on=DUE + datetime.timedelta(days=4)
    )
    invoice.refresh_from_db()
    reminders_sync_for_invoices(invoices=[invoice])
    message = Message.objects.get()
    assert "1.000,00" in message.body_text
    invoice_mark_paid(invoice=invoice, paid_on=DUE + datetime.timedelta(days=5))
    invoice.refresh_from_db()
    reminders_sync_for_invoices(invoices=[invoice])
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED


CLAIMS = ("erinnert", "Erinnerungen", "gemeldet", "reminders", "wrote to you", "note of")


@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize(
    ("language", "form"),
    [("de", "formal"), ("de", "informal"), ("en", "formal"), ("en", "informal")],
)
def test_every_reminder_text_claims_only_the_reminders_sent(
    level: int, language: str, form: str
) -> None:
    from communications.rendering import default_source, render_sources

    from .test_sandbox import _context

    subject, body = default_source(f"reminder_{level}", language, form)
    context = _context(language, form)
    context["level"] = level
    unclaimed = render_sources(subject, body, context).text
    assert not [claim for claim in CLAIMS if claim in unclaimed]
    context["reminders_sent"] = ["05.11.2026", "16.11.2026"][: level - 1]
    context["pay_by"] = "10.12.2026"
    text = render_sources(subject, body, context).text
    assert "05.11.2026" in text
    assert "10.12.2026" in text
    if level == 3:
        lowered = text.lower()
        for phrase in ("danke", "thank", "pdf", "nach erhalt", "after receiving", "within 10 days"):
            assert phrase not in lowered, phrase


def test_it_never_adds_amounts_of_different_currencies(acme: Client) -> None:
    """A client with a euro and a dollar invoice overdue: one sum per currency, in the mail and
    in the final notice's letter."""
    from communications.letters import reminder_letter_context

    InvoiceFactory(project=ProjectFactory(client=acme), due_on=DUE, number="2026-0042")
    InvoiceFactory(
        project=ProjectFactory(client=acme, currency="USD"),
        due_on=DUE,
        number="2026-0043",
        currency="USD",
        total_gross=Decimal("500.00"),
    )
    assert plan(DUE + datetime.timedelta(days=3)) == 1
    message = Message.objects.get()
    assert "1.690,00" not in message.body_text
    assert "1.190,00\xa0€ und 500,00\xa0$" in message.body_text, message.body_text
    assert "bis zum 12.11.2026" in message.body_text  # a concrete date, also in a first note
    totals = dict(reminder_letter_context(message)["totals"])
    assert totals == {"EUR": Decimal("1190.00"), "USD": Decimal("500.00")}
