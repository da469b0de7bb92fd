"""No invoice is issued whose PDF and e-invoice do not build; one that cannot render anyway
answers with a page that says what to do (app, portal), or holds its mail; text is cleaned."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pypdf
import pytest
import time_machine
from django.urls import reverse

from clients.models import Client
from communications import services as comms
from communications.dispatch import messages_dispatch
from communications.models import Message
from portal.models import PortalLink
from projects import documents
from projects.models import FrozenDocument, Invoice, NumberSequence
from projects.services import ProjectError
from projects.services.invoices import invoice_cancel, invoice_issue

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def broken_xml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inject the fault the issue saw: lxml refusing the e-invoice's text."""

    def refuse(data: Any) -> bytes:
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr("projects.einvoice.invoice_xml", refuse)


def _used_numbers(owner: Any) -> int:
    sequence = NumberSequence.objects.filter(owner=owner, kind="invoice").first()
    return sequence.last_number if sequence else 0


def test_an_invoice_that_cannot_render_is_not_issued_and_keeps_its_number_free(
    invoice: Invoice, monkeypatch: pytest.MonkeyPatch, broken_xml: None
) -> None:
    with pytest.raises(ProjectError, match="number was not used"):
        invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.snapshot) == ("draft", "", None)
    assert _used_numbers(invoice.owner) == 0

    monkeypatch.undo()
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    assert issued.number == "2026-0001"
    assert issued.snapshot["number"] == "2026-0001"
    assert "2026-0001" in _text(documents.invoice_pdf(issued))


def test_a_cancellation_that_cannot_render_rolls_back(
    invoice: Invoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    monkeypatch.setattr(
        "projects.einvoice.invoice_xml", lambda data: (_ for _ in ()).throw(ValueError("x"))
    )
    with pytest.raises(ProjectError):
        invoice_cancel(invoice=issued, actor=issued.owner, today=TODAY)
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.OPEN
    assert _used_numbers(issued.owner) == 1
    assert Invoice.objects.filter(cancels=issued).count() == 0


def test_the_issue_view_says_why_it_refused(
    alice_client: Any, invoice: Invoice, broken_xml: None
) -> None:
    response = alice_client.post(reverse("projects:invoice_issue", args=[invoice.pk]), follow=True)
    assert response.status_code == 200
    assert "number was not used" in response.content.decode()


def test_an_issued_invoice_that_cannot_render_shows_what_to_do_in_the_app_and_portal(
    alice_client: Any, client: Any, invoice: Invoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    # Issued before documents were stored (projects.documents.frozen): rendered on request.
    FrozenDocument.objects.filter(invoice=issued).delete()
    link = PortalLink.objects.create(owner=issued.owner, project=issued.project)
    monkeypatch.setattr(
        "projects.einvoice.invoice_xml", lambda data: (_ for _ in ()).throw(ValueError("x"))
    )

    app = alice_client.get(reverse("projects:invoice_pdf", args=[issued.pk]))
    assert app.status_code == 409
    page = app.content.decode()
    assert "cannot be shown right now" in page
    assert issued.number in page
    assert "outbox" in page  # what happens to mails and the portal

    portal = client.get(reverse("portal:invoice_pdf", args=[link.token, issued.pk]))
    assert portal.status_code == 409
    assert "ask your contact to send it to you by e-mail" in portal.content.decode()


def test_a_mail_whose_attachment_cannot_render_is_held_with_the_reason(
    invoice: Invoice, monkeypatch: pytest.MonkeyPatch, mailoutbox: list[Any]
) -> None:
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    FrozenDocument.objects.filter(invoice=issued).delete()  # issued before the store
    message, _ = comms.message_compose(
        kind="invoice_sent", client=issued.client, dedupe_key="inv", invoice=issued
    )
    monkeypatch.setattr(
        "projects.einvoice.invoice_xml", lambda data: (_ for _ in ()).throw(ValueError("x"))
    )
    moment = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        comms.message_approve(message=message, send_after=moment)
        messages_dispatch(now=moment)
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert issued.number in message.held_reason
    assert mailoutbox == []


def test_an_old_snapshot_with_control_characters_still_downloads(
    alice_client: Any, invoice: Invoice
) -> None:
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    snapshot = issued.snapshot
    snapshot["buyer"]["name"] = "Sabine\x0cWeber\x01"  # frozen before text was cleaned
    Invoice.objects.filter(pk=issued.pk).update(snapshot=snapshot)
    response = alice_client.get(reverse("projects:invoice_pdf", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_draft_pdf_warns_when_text_had_to_be_cleaned(invoice: Invoice) -> None:
    assert "Steuerzeichen" not in _text(documents.invoice_pdf(invoice))
    Client.objects.filter(pk=invoice.client_id).update(name="Sabine\x0bWeber\x01")  # not a form
    invoice.refresh_from_db()
    text = _text(documents.invoice_pdf(invoice))
    assert "Steuerzeichen" in text
    issued = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    assert issued.snapshot["buyer"]["name"] == "Sabine\nWeber"
    assert "Steuerzeichen" not in _text(documents.invoice_pdf(issued))
