"""End to end: "issue and send" on the invoice page, approved, delivered over real SMTP with the
Factur-X PDF attached, and on the client's timeline."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from facturx import xml_check_xsd

from clients.tests.factories import ClientFactory
from communications.dispatch import messages_dispatch
from communications.models import CommunicationSettings, Message
from projects.models import Invoice
from projects.services.invoices import invoice_create
from projects.tests.factories import InvoiceLineFactory, ProjectFactory
from tests.harness import SmtpSink
from timeline.models import Activity

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.django_db]


def test_it_issues_sends_and_delivers_the_invoice_as_factur_x(
    alice: Any, alice_client: Any, smtp_backend: SmtpSink
) -> None:
    # No quiet hours: the approved mail is due at once, whatever the clock says.
    CommunicationSettings.objects.create(
        owner=alice, quiet_from="00:00", quiet_until="00:00", send_on_weekends=True
    )
    weber = ClientFactory(
        owner=alice,
        name="Kanzlei Weber",
        email="weber@kanzlei.example",
        language="de",
        form_of_address="informal",
        salutation="Sabine",
    )
    project = ProjectFactory(owner=alice, client=weber, title="Relaunch")
    invoice = invoice_create(project=project, actor=alice)
    invoice.lines.all().delete()
    InvoiceLineFactory(invoice=invoice, description="Design", quantity=10, unit_price="95.00")

    response = alice_client.post(reverse("communications:invoice_send", args=[invoice.pk]))
    message = Message.objects.get(invoice=invoice)
    assert response.url == message.get_absolute_url()
    alice_client.post(reverse("communications:approve", args=[message.pk]))
    messages_dispatch()

    invoice.refresh_from_db()
    message.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert message.status == Message.Status.SENT
    [received] = smtp_backend.received
    assert received.rcpt_tos == ["weber@kanzlei.example"]
    assert received.subject == f"Rechnung {invoice.number} – Relaunch"
    mail = received.message
    assert "Hallo Sabine," in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"Rechnung-{invoice.number}.pdf"
    pdf = pypdf.PdfReader(io.BytesIO(attachment.get_content()))
    xml = pdf.attachments["factur-x.xml"][0]
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert invoice.number.encode() in xml
    assert Activity.objects.filter(client=weber, message=message).exists()
