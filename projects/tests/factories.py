"""factory_boy factories for projects, offers and invoices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from clients.tests.factories import ClientFactory
from projects.models import (
    ChangeRequest,
    Invoice,
    InvoiceLine,
    Milestone,
    Offer,
    OfferLine,
    Project,
    RevisionRound,
    ScopeItem,
)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory, owner=factory.SelfAttribute("..owner"))
    title = factory.Sequence(lambda n: f"Website relaunch {n}")
    status = Project.Status.ACTIVE
    start_on = datetime.date(2026, 11, 2)
    deadline_on = datetime.date(2026, 12, 18)
    pricing = Project.Pricing.FIXED
    fixed_price = Decimal("4800.00")
    vat_rate = Decimal("19.00")
    revisions_agreed = 2


class ScopeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScopeItem

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Deliverable {n}")
    position = factory.Sequence(lambda n: n)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = datetime.date(2026, 12, 1)


class RevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RevisionRound

    project = factory.SubFactory(ProjectFactory)
    requested_on = datetime.date(2026, 11, 20)
    description = "Colours and headline"


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    project = factory.SubFactory(ProjectFactory)
    owner = factory.SelfAttribute("project.owner")
    title = "Add a shop"
    description = "Could we also sell vouchers online?"
    requested_on = datetime.date(2026, 11, 20)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    project = factory.SubFactory(ProjectFactory)
    owner = factory.SelfAttribute("project.owner")
    number = factory.Sequence(lambda n: f"A-2026-{n + 100:03d}")
    issued_on = datetime.date(2026, 11, 23)
    valid_until = datetime.date(2026, 12, 23)
    intro_text = "Sehr geehrte Frau Dr. Weber,"


class OfferLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferLine

    offer = factory.SubFactory(OfferFactory)
    description = "Design"
    quantity = Decimal(10)
    unit = "Std."
    unit_price = Decimal("95.00")
    vat_rate = Decimal("19.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    project = factory.SubFactory(ProjectFactory)
    owner = factory.SelfAttribute("project.owner")
    client = factory.SelfAttribute("project.client")


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    description = "Website design"
    quantity = Decimal(10)
    unit = "Std."
    unit_price = Decimal("95.00")
    vat_rate = Decimal("19.00")
