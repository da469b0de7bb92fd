"""Frozen documents: rendered once when sent or issued, stored with their hash, then served."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import PortalLink
from projects import documents
from projects.documents import frozen
from projects.models import FrozenDocument, Invoice, NumberSequence
from projects.services.invoices import invoice_cancel, invoice_issue
from projects.services.offers import offer_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any further rendering fail: what is served must come from the store."""

    def refuse(document: Any) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(frozen, "offer_pdf_render", refuse)
    monkeypatch.setattr(frozen, "invoice_pdf_render", refuse)


def test_it_stores_the_pdf_with_its_hash_when_an_invoice_is_issued(
    alice: Any, invoice: Any
) -> None:
    issued = invoice_issue(invoice=invoice, actor=alice)
    storno = invoice_cancel(invoice=issued, actor=alice)

    for document in (issued, storno):
        stored = FrozenDocument.objects.get(invoice=document)
        pdf = bytes(stored.pdf)
        assert pdf.startswith(b"%PDF")
        assert stored.sha256 == hashlib.sha256(pdf).hexdigest()
        assert documents.invoice_pdf(Invoice.objects.get(pk=document.pk)) == pdf


def test_it_serves_a_frozen_invoice_without_rendering_it_again(
    alice: Any,
    alice_client: Any,
    invoice: Any,
    no_rendering: None,
    monkeypatch: Any,
    django_assert_num_queries: Any,
) -> None:
    monkeypatch.undo()  # issuing renders once ...
    issued = invoice_issue(invoice=invoice, actor=alice)
    stored = bytes(FrozenDocument.objects.get(invoice=issued).pdf)
    monkeypatch.setattr(frozen, "invoice_pdf_render", lambda invoice: b"rendered again")
    # ... and a later change of the snapshot (or the profile, the logo) changes nothing.
    Invoice.objects.filter(pk=issued.pk).update(snapshot={**issued.snapshot, "notes": "X"})
    url = reverse("projects:invoice_pdf", args=[issued.pk])
    alice_client.get(url)  # the session and the user are loaded once
    with django_assert_num_queries(5):  # session, user, profile, the invoice, its stored PDF
        response = alice_client.get(url)

    assert response.status_code == 200
    assert response.content == stored


def test_it_serves_the_stored_offer_in_the_portal(
    alice: Any, offer: Any, no_rendering: None, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    monkeypatch.undo()
    sent = offer_send(offer=offer, actor=alice)
    stored = bytes(FrozenDocument.objects.get(offer=sent).pdf)
    monkeypatch.setattr(frozen, "offer_pdf_render", lambda offer: b"rendered again")
    link = PortalLink.objects.create(owner=alice, project=sent.project)

    url = reverse("portal:offer_pdf", args=[link.token])
    with django_assert_num_queries(3):  # the link (with project), the offer, its PDF
        response = Client().get(url)

    assert response.status_code == 200
    assert response.content == stored


def test_it_issues_no_number_when_the_document_cannot_be_rendered(
    alice: Any, invoice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(invoice: Any) -> bytes:
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(frozen, "invoice_pdf_render", broken)
    with pytest.raises(ValueError, match="XML compatible"):
        invoice_issue(invoice=invoice, actor=alice)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number == ""
    assert not NumberSequence.objects.filter(owner=alice, last_number__gt=0).exists()
    assert not FrozenDocument.objects.exists()


def test_it_stores_an_older_frozen_document_on_its_first_download(alice: Any, invoice: Any) -> None:
    issued = invoice_issue(invoice=invoice, actor=alice)
    FrozenDocument.objects.all().delete()  # issued before documents were stored

    first = documents.invoice_pdf(issued)
    again = documents.invoice_pdf(issued)

    assert first == again == bytes(FrozenDocument.objects.get(invoice=issued).pdf)
    assert documents.document_freeze(invoice=issued).sha256 == hashlib.sha256(first).hexdigest()


def test_it_renders_drafts_on_every_request(invoice: Any) -> None:
    assert b"%PDF" in documents.invoice_pdf(invoice)
    assert not FrozenDocument.objects.exists()
