from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine

from clients.models import Client
from communications import services
from communications.attachments import attachments_for
from communications.dispatch import messages_dispatch
from communications.models import Message
from communications.planners.reminders import reminders_plan
from timeline import services as timeline_services
from timeline.models import Activity

from .factories import InvoiceFactory, MessageFactory, ProjectFactory


def test_it_composes_from_the_template_in_the_clients_tone_once(initech: Client) -> None:
    project = ProjectFactory(client=initech, title="Shop")
    message, created = services.message_compose(
        kind="wrap_up", client=initech, dedupe_key="wrap:1", project=project
    )
    again, created_again = services.message_compose(
        kind="wrap_up", client=initech, dedupe_key="wrap:1", project=project
    )
    assert created
    assert not created_again
    assert again.pk == message.pk
    assert message.subject == "Thanks for working together on “Shop”"
    assert message.body_text.startswith("Hi Bill,")
    assert "“Shop” is done" in message.body_text
    assert "<p>" in message.body_html
    assert Activity.objects.filter(message=message).count() == 1


def test_it_attaches_the_invoice_pdf_to_an_invoice_message(acme: Client) -> None:
    invoice = InvoiceFactory(project=ProjectFactory(client=acme))
    message, _ = services.message_compose(
        kind="invoice_sent", client=acme, dedupe_key="inv", invoice=invoice
    )
    assert message.attachments == [{"type": "invoice", "id": invoice.pk}]


def test_it_holds_a_scheduled_compose_for_a_client_without_email(acme: Client) -> None:
    acme.email = ""
    acme.save()
    message, _ = services.message_compose(
        kind="one_off", client=acme, dedupe_key="x", status="scheduled", body="Hallo"
    )
    assert message.status == Message.Status.HELD
    assert "no e-mail address" in message.held_reason


def test_it_approves_into_the_next_allowed_time(acme: Client) -> None:
    night = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=datetime.UTC)
    draft = MessageFactory(client=acme)
    with time_machine.travel(night, tick=False):
        services.message_approve(message=draft)
        services.message_approve(message=draft)
    assert draft.status == Message.Status.SCHEDULED
    assert draft.send_after == datetime.datetime(2026, 11, 25, 7, 0, tzinfo=datetime.UTC)


def test_it_refuses_to_edit_a_sent_message(acme: Client) -> None:
    sent = MessageFactory(client=acme, status=Message.Status.SENT)
    with pytest.raises(services.MessageStateError):
        services.message_edit(message=sent, subject="x", body_text="y")


def test_it_refuses_to_log_anything_but_calls_and_meetings(acme: Client) -> None:
    with pytest.raises(ValueError, match="calls and meetings"):
        timeline_services.activity_log(
            client=acme,
            kind="message",
            summary="x",
            detail="",
            occurred_at=datetime.datetime.now(tz=datetime.UTC),
        )


def test_it_attaches_the_final_notice_as_a_pdf_letter_in_the_same_wording(
    acme: Client, mailoutbox: list[Any]
) -> None:
    from pypdf import PdfReader

    InvoiceFactory(
        project=ProjectFactory(client=acme), number="2026-0099", due_on=datetime.date(2026, 10, 1)
    )
    # The friendly note and the clear reminder go out first (a final notice follows only them).
    for day in (datetime.date(2026, 10, 5), datetime.date(2026, 10, 16)):
        moment = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)
        with time_machine.travel(moment, tick=False):
            reminders_plan(now=moment)
            for draft in Message.objects.filter(status=Message.Status.DRAFT):
                services.message_approve(message=draft)
            messages_dispatch(now=moment)
    moment = datetime.datetime(2026, 10, 30, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        reminders_plan(now=moment)
    final = Message.objects.get(kind=Message.Kind.REMINDER_3)
    assert final.status == Message.Status.DRAFT
    files = attachments_for(final)
    assert files[0].filename.startswith("Mahnung-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files[0].content)).pages)
    assert "2026-0099" in text
    assert "Ratenzahlung" in text
    assert "09.11.2026" in text  # pay by: a date, not "10 days after receipt"
    assert "PDF" not in text
    services.message_approve(message=final, send_after=moment)
    messages_dispatch(now=moment)
    assert mailoutbox[-1].attachments[0][0].startswith("Mahnung-")


def test_it_keeps_a_rescheduled_drafts_time_on_approval(acme: Client) -> None:
    moment = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    later = moment + datetime.timedelta(days=2)
    draft = MessageFactory(client=acme)
    with time_machine.travel(moment, tick=False):
        services.message_reschedule(message=draft, send_after=later)
        services.message_approve(message=draft)
    assert draft.status == Message.Status.SCHEDULED
    assert draft.send_after == later
