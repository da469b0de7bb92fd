"""A portal link shows one project to its client: never another project's documents or drafts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import PortalLink
from projects.models import Invoice, Offer
from projects.tests.factories import (
    InvoiceFactory,
    InvoiceLineFactory,
    OfferFactory,
    OfferLineFactory,
    ProjectFactory,
)


@pytest.fixture
def two_projects(alice: Any) -> tuple[PortalLink, Any, Any]:
    """Alice's project A (with a portal link) and project B of the same client."""
    project_a = ProjectFactory(owner=alice, title="Projekt A")
    project_b = ProjectFactory(owner=alice, client=project_a.client, title="Projekt B geheim")
    link = PortalLink.objects.create(owner=alice, project=project_a)
    return link, project_a, project_b


def test_it_never_serves_another_projects_invoice(client: Client, two_projects: Any) -> None:
    link, project_a, project_b = two_projects
    issued = {"issued_on": datetime.date(2026, 11, 2), "due_on": datetime.date(2026, 11, 16)}
    other = InvoiceFactory(project=project_b, number="R-B-1", status=Invoice.Status.OPEN, **issued)
    draft = InvoiceFactory(project=project_a, status=Invoice.Status.DRAFT)
    own = InvoiceFactory(project=project_a, number="R-A-1", status=Invoice.Status.OPEN, **issued)
    for invoice in (other, draft, own):
        InvoiceLineFactory(invoice=invoice)

    def get(invoice: Any) -> int:
        url = reverse("portal:invoice_pdf", args=[link.token, invoice.pk])
        return client.get(url).status_code

    assert get(other) == 404
    assert get(draft) == 404
    assert get(own) == 200


def test_it_never_shows_another_projects_offer_or_title(client: Client, two_projects: Any) -> None:
    link, project_a, project_b = two_projects
    offer_b = OfferFactory(project=project_b, number="A-B-1", status=Offer.Status.SENT)
    OfferLineFactory(offer=offer_b, description="Geheime Position B")
    draft_a = OfferFactory(project=project_a, number="A-A-1", status=Offer.Status.DRAFT)
    OfferLineFactory(offer=draft_a, description="Entwurf nicht zeigen")

    page = client.get(reverse("portal:page", args=[link.token])).content.decode()
    pdf = client.get(reverse("portal:offer_pdf", args=[link.token]))

    assert "Projekt B geheim" not in page
    assert "Geheime Position B" not in page
    assert "Entwurf nicht zeigen" not in page
    assert pdf.status_code == 404  # project A has no sent offer: nothing to download
    accept = client.post(
        reverse("portal:accept", args=[link.token]),
        {"offer": offer_b.pk, "version": offer_b.version, "full_name": "Eva Weber"},
    )
    offer_b.refresh_from_db()
    assert accept.status_code in (400, 409)
    assert offer_b.status == Offer.Status.SENT
