"""Issue and send: the invoice page issues the invoice and drafts its e-mail with the PDF."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.urls import reverse

from clients.models import Client
from communications import services
from communications.invoice_mail import invoice_send
from communications.models import Message
from projects.models import Invoice
from projects.services.invoices import invoice_cancel, invoice_create
from projects.tests.factories import InvoiceLineFactory
from timeline.models import Activity

from .factories import MessageFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _draft_invoice(client: Client) -> Invoice:
    project = ProjectFactory(client=client, title="Relaunch")
    invoice = invoice_create(project=project, actor=client.owner)
    invoice.lines.all().delete()
    InvoiceLineFactory(invoice=invoice, description="Design", quantity=10, unit_price="95.00")
    return invoice


def _send(http: Any, invoice: Invoice) -> Any:
    return http.post(reverse("communications:invoice_send", args=[invoice.pk]))


def test_it_issues_the_invoice_and_drafts_its_mail_in_the_clients_tone(
    alice_client: Any, acme: Client
) -> None:
    invoice = _draft_invoice(acme)
    response = _send(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    message = Message.objects.get(invoice=invoice)
    assert response.status_code == 302
    assert response.url == message.get_absolute_url()
    assert message.kind == Message.Kind.INVOICE_SENT
    assert message.status == Message.Status.DRAFT
    assert message.subject == f"Rechnung {invoice.number} – Relaunch"
    assert message.body_text.startswith("Sehr geehrte Frau Dr. Weber,")
    assert "1.130,50\xa0€" in message.body_text
    assert message.attachments == [{"type": "invoice", "id": invoice.pk}]
    # On the client's timeline: the issue and the mail.
    assert Activity.objects.filter(client=acme, message=message).count() == 1
    page = alice_client.get(response.url).content.decode()
    assert f"Rechnung-{invoice.number}.pdf" in page


def test_it_writes_to_a_casual_english_client_in_their_tone(
    alice_client: Any, initech: Client
) -> None:
    invoice = _draft_invoice(initech)
    _send(alice_client, invoice)
    message = Message.objects.get(invoice=invoice)
    assert message.body_text.startswith("Hi Bill,")
    assert message.subject.startswith("Invoice ")
    page = alice_client.get(message.get_absolute_url()).content.decode()
    invoice.refresh_from_db()
    assert f"Invoice-{invoice.number}.pdf" in page


def test_it_sends_an_issued_invoice_and_a_second_click_opens_the_same_draft(
    alice: Any, acme: Client
) -> None:
    invoice = _draft_invoice(acme)
    first, issued, created = invoice_send(invoice=invoice, actor=alice)
    assert (issued, created) == (True, True)
    again, issued_again, created_again = invoice_send(invoice=invoice, actor=alice)
    assert (issued_again, created_again) == (False, False)
    assert again.pk == first.pk
    assert Message.objects.filter(invoice=invoice).count() == 1


def test_it_drafts_a_new_mail_once_the_earlier_one_went_out(alice: Any, acme: Client) -> None:
    invoice = _draft_invoice(acme)
    first, _issued, _created = invoice_send(invoice=invoice, actor=alice)
    Message.objects.filter(pk=first.pk).update(status=Message.Status.SENT)
    second, issued, created = invoice_send(invoice=invoice, actor=alice)
    assert (issued, created) == (False, True)
    assert second.pk != first.pk
    assert second.dedupe_key == f"invoice_sent:invoice:{invoice.pk}:2"


def test_it_says_so_when_the_client_has_no_email_and_issues_nothing(
    alice_client: Any, acme: Client
) -> None:
    acme.email = ""
    acme.save()
    invoice = _draft_invoice(acme)
    response = _send(alice_client, invoice)
    assert response.status_code == 302
    assert response.url == invoice.get_absolute_url()
    page = alice_client.get(response.url).content.decode()
    assert "Acme GmbH has no e-mail address, so the invoice was not issued." in page
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    assert not invoice.number
    assert not Message.objects.filter(invoice=invoice).exists()


def test_it_refuses_a_cancelled_invoice(alice_client: Any, alice: Any, acme: Client) -> None:
    invoice = _draft_invoice(acme)
    invoice_send(invoice=invoice, actor=alice)
    invoice_cancel(invoice=invoice, actor=alice)
    response = _send(alice_client, invoice)
    assert "A cancelled invoice is not sent." in alice_client.get(response.url).content.decode()
    assert Message.objects.filter(invoice=invoice).count() == 1


def test_cancelling_the_invoice_withdraws_its_unsent_mail(alice: Any, acme: Client) -> None:
    """Found by the simulation: the mail of a cancelled invoice went out after approval."""
    invoice = _draft_invoice(acme)
    message, _issued, _created = invoice_send(invoice=invoice, actor=alice)
    invoice_cancel(invoice=invoice, actor=alice)
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED


def test_the_invoice_page_offers_issue_and_send(
    alice_client: Any, alice: Any, acme: Client
) -> None:
    invoice = _draft_invoice(acme)
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert 'id="invoice-issue-send"' in page
    invoice_send(invoice=invoice, actor=alice)
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert 'id="invoice-send"' in page
    assert 'id="invoice-issue-send"' not in page


def test_another_freelancers_invoice_is_missing(bob_client: Any, acme: Client) -> None:
    invoice = _draft_invoice(acme)
    assert _send(bob_client, invoice).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_anonymous_is_sent_to_log_in(anon_client: Any, acme: Client) -> None:
    response = _send(anon_client, _draft_invoice(acme))
    assert response.status_code == 302
    assert "login" in response.url


def test_the_message_page_names_a_reminder_letter_as_the_client_gets_it(
    alice_client: Any, acme: Client
) -> None:
    message = MessageFactory(
        client=acme, kind=Message.Kind.REMINDER_3, attachments=[{"type": "reminder_letter"}]
    )
    page = alice_client.get(message.get_absolute_url()).content.decode()
    assert f"Mahnung-{message.created_at:%Y-%m-%d}.pdf" in page
    assert "reminder_letter" not in page


def test_approving_the_invoice_mail_attaches_the_factur_x_pdf(
    alice: Any, acme: Client, mailoutbox: list[Any]
) -> None:
    from communications.dispatch import messages_dispatch

    invoice = _draft_invoice(acme)
    message, _issued, _created = invoice_send(invoice=invoice, actor=alice)
    services.message_approve(message=message, send_after=message.created_at)
    messages_dispatch()
    invoice.refresh_from_db()
    [mail] = mailoutbox
    name, content, mimetype = mail.attachments[0]
    assert name == f"Rechnung-{invoice.number}.pdf"
    assert mimetype == "application/pdf"
    assert "factur-x.xml" in pypdf.PdfReader(io.BytesIO(content)).attachments
    assert invoice.total_gross == Decimal("1130.50")


def test_an_offer_in_dollars_is_written_in_dollars(initech: Client) -> None:
    from communications.context import offer_context
    from projects.tests.factories import OfferFactory

    offer = OfferFactory(project=ProjectFactory(client=initech, currency="USD"))
    offer.total_gross = Decimal("1190.00")
    assert offer_context(offer, "en")["total"] == "$1,190.00"
