"""factory_boy factories for the communications tests (projects and invoices made here too)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from clients.tests.factories import ClientFactory
from communications.models import Message
from projects.models import Invoice, Milestone, Project


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    owner = factory.SelfAttribute("client.owner")
    title = factory.Sequence(lambda n: f"Website {n}")
    status = Project.Status.ACTIVE


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = datetime.date(2026, 12, 4)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    project = factory.SubFactory(ProjectFactory)
    client = factory.SelfAttribute("project.client")
    owner = factory.SelfAttribute("project.owner")
    number = factory.Sequence(lambda n: f"2026-{n:04d}")
    status = Invoice.Status.OPEN
    issued_on = datetime.date(2026, 10, 1)
    due_on = datetime.date(2026, 10, 15)
    total_net = Decimal("1000.00")
    total_vat = Decimal("190.00")
    total_gross = Decimal("1190.00")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    client = factory.SubFactory(ClientFactory)
    owner = factory.SelfAttribute("client.owner")
    kind = Message.Kind.ONE_OFF
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    to = factory.SelfAttribute("client.email")
    subject = factory.Sequence(lambda n: f"Subject {n}")
    body_text = "Hallo,\n\nText.\n"
    status = Message.Status.DRAFT
