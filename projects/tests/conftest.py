"""Fixtures of the projects tests: alice's client, project, offer and invoice."""

from __future__ import annotations

from typing import Any

import pytest

from clients.tests.factories import ClientFactory
from projects.services.invoices import invoice_create
from projects.services.offers import offer_create

from .factories import InvoiceLineFactory, OfferLineFactory, ProjectFactory, ScopeItemFactory


@pytest.fixture
def weber(alice: Any) -> Any:
    """A German client addressed formally ("Sehr geehrte Frau Dr. Weber")."""
    return ClientFactory(
        owner=alice,
        kind="person",
        name="Sabine Weber",
        salutation="Frau Dr. Weber",
        language="de",
        form_of_address="formal",
    )


@pytest.fixture
def anna(alice: Any) -> Any:
    """A German client addressed with du ("Hallo Anna")."""
    return ClientFactory(
        owner=alice,
        kind="person",
        name="Anna Fischer",
        salutation="Anna",
        language="de",
        form_of_address="informal",
    )


@pytest.fixture
def project(alice: Any, weber: Any) -> Any:
    project = ProjectFactory(owner=alice, client=weber)
    ScopeItemFactory(project=project, title="Startseite", position=1)
    ScopeItemFactory(project=project, title="Shop", is_in_scope=False, position=2)
    return project


@pytest.fixture
def offer(project: Any) -> Any:
    offer = offer_create(project=project, actor=project.owner)
    offer.lines.all().delete()
    OfferLineFactory(offer=offer, description="Design", quantity=10, unit_price="95.00")
    OfferLineFactory(offer=offer, description="Umsetzung", quantity=20, unit_price="80.00")
    return offer


@pytest.fixture
def invoice(project: Any) -> Any:
    invoice = invoice_create(project=project, actor=project.owner)
    invoice.lines.all().delete()
    InvoiceLineFactory(invoice=invoice, description="Design", quantity=10, unit_price="95.00")
    return invoice
