"""Row builders shared by the dashboard, portal, privacy and calendar tests (no tests here).

Plain model inserts rather than other apps' services, so these tests do not depend on services
that are still changing.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clients.models import Client, Contact, Note
from communications.models import Message
from portal.models import PortalLink
from projects.models import (
    ChangeRequest,
    Invoice,
    Milestone,
    Offer,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)
from timeline.models import Activity

_numbers = itertools.count(1)


def make_client(owner: Any, **extra: Any) -> Client:
    n = next(_numbers)
    defaults = {
        "name": f"Acme {n} GmbH",
        "email": f"info{n}@acme.example",
        "phone": "+49 30 1234567",
        "street": "Hauptstraße 5",
        "postal_code": "10115",
        "city": "Berlin",
        "salutation": "Frau Dr. Weber",
        "language": "de",
    }
    defaults.update(extra)
    return Client.objects.create(owner=owner, **defaults)


def make_project(client: Client, **extra: Any) -> Project:
    defaults = {"title": f"Website {next(_numbers)}", "status": Project.Status.ACTIVE}
    defaults.update(extra)
    return Project.objects.create(owner=client.owner, client=client, **defaults)


def make_offer(project: Project, **extra: Any) -> Offer:
    today = timezone.localdate()
    defaults = {
        "number": f"AN-{next(_numbers):04d}",
        "version": 1,
        "status": Offer.Status.SENT,
        "issued_on": today - datetime.timedelta(days=3),
        "valid_until": today + datetime.timedelta(days=20),
        "total_net": Decimal("1000.00"),
        "total_gross": Decimal("1190.00"),
        "sent_at": timezone.now(),
    }
    defaults.update(extra)
    return Offer.objects.create(owner=project.owner, project=project, **defaults)


def make_invoice(project: Project, **extra: Any) -> Invoice:
    today = timezone.localdate()
    defaults = {
        "number": f"RE-{next(_numbers):04d}",
        "status": Invoice.Status.OPEN,
        "issued_on": today - datetime.timedelta(days=30),
        "due_on": today - datetime.timedelta(days=10),
        "total_net": Decimal("100.00"),
        "total_vat": Decimal("19.00"),
        "total_gross": Decimal("119.00"),
    }
    defaults.update(extra)
    return Invoice.objects.create(
        owner=project.owner, project=project, client=project.client, **defaults
    )


def make_message(client: Client, **extra: Any) -> Message:
    defaults = {
        "kind": Message.Kind.STATUS_UPDATE,
        "subject": f"Status {next(_numbers)}",
        "body_text": "Hallo",
        "dedupe_key": f"test:{next(_numbers)}",
        "status": Message.Status.DRAFT,
        "to": client.email,
    }
    defaults.update(extra)
    return Message.objects.create(owner=client.owner, client=client, **defaults)


def make_everything(owner: Any, *, size: int = 1) -> dict[str, Any]:
    """Create ``size`` of every kind of row the dashboard shows; return the last of each."""
    today = timezone.localdate()
    rows: dict[str, Any] = {}
    for _index in range(size):
        client = make_client(owner)
        Client.objects.filter(pk=client.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
        Contact.objects.create(client=client, name="Anna Weber", email="anna@acme.example")
        Note.objects.create(client=client, body="Mag kurze Updates.")
        project = make_project(client, revisions_agreed=1, deadline_on=today)
        ScopeItem.objects.create(project=project, title="Startseite")
        ScopeItem.objects.create(project=project, title="Shop", is_in_scope=False)
        Milestone.objects.create(
            project=project, title="Entwurf", due_on=today - datetime.timedelta(days=2)
        )
        Milestone.objects.create(
            project=project,
            title="Launch",
            due_on=today + datetime.timedelta(days=5),
            forecast_on=today + datetime.timedelta(days=9),
        )
        RevisionRound.objects.create(project=project, requested_on=today, description="Farben")
        RevisionRound.objects.create(
            project=project,
            requested_on=today,
            description="Mehr",
            billing=RevisionRound.Billing.GOODWILL,
        )
        ChangeRequest.objects.create(
            owner=owner, project=project, title="Blog", description="Bitte", requested_on=today
        )
        offer = make_offer(project, valid_until=today + datetime.timedelta(days=3))
        make_offer(
            project,
            status=Offer.Status.ACCEPTED,
            accepted_at=timezone.now(),
            accepted_by_name="Anna Weber",
        )
        invoice = make_invoice(project)
        paid = make_invoice(project, status=Invoice.Status.PAID, amount_paid=Decimal("119.00"))
        Payment.objects.create(invoice=paid, paid_on=today, amount=Decimal("119.00"))
        make_message(client)
        make_message(
            client,
            kind=Message.Kind.REMINDER_2,
            invoice=invoice,
            status=Message.Status.SENT,
            sent_at=timezone.now(),
        )
        make_message(client, status=Message.Status.SCHEDULED, send_after=timezone.now())
        Message.objects.filter(client=client).update(
            created_at=timezone.now() - datetime.timedelta(days=200)
        )
        Activity.objects.create(
            owner=owner,
            client=client,
            kind=Activity.Kind.NOTE,
            summary="Alt",
            occurred_at=timezone.now() - datetime.timedelta(days=200),
        )
        PortalLink.objects.create(owner=owner, project=project)
        rows = {"client": client, "project": project, "offer": offer, "invoice": invoice}
    return rows
