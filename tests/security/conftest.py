"""Fixtures for the security suite: a rich data set for alice (and a small one for bob).

``world`` builds one of every kind of row a freelancer owns, so the URL walker can fill every
path parameter with an object of alice's, and ``owned_snapshot`` captures all of alice's rows to
prove afterwards that nothing of hers changed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.models import ImportUpload
from clients.tests.factories import ClientFactory, ContactFactory, NoteFactory, TagFactory
from communications.models import Message, MessageTemplate, ReminderPause
from communications.tests.factories import MessageFactory
from crm.models import AuditEntry
from portal.models import PortalLink
from projects.models import Invoice, Offer, Payment
from projects.tests.factories import (
    ChangeRequestFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    MilestoneFactory,
    OfferFactory,
    OfferLineFactory,
    ProjectFactory,
    RevisionFactory,
    ScopeItemFactory,
)
from timetracking.models import Expense, Retainer, TimeEntry

SECURITY_APPS = ("crm", "clients", "projects", "communications", "inbox", "banking", "timetracking")


@dataclass
class Freelancer:
    """One freelancer's rows, by kind; each list holds the interesting states of that kind."""

    user: Any
    objects: dict[str, list[Any]] = field(default_factory=dict)

    def first(self, kind: str) -> Any:
        return self.objects[kind][0]


def build_world(user: Any, *, prefix: str) -> Freelancer:
    """Create one of every owned row (in several states where the state changes the view)."""
    tag = TagFactory(owner=user, name=f"{prefix} VIP")
    client = ClientFactory(
        owner=user,
        name=f"{prefix} Zylinderwerke GmbH",
        email=f"{prefix.lower()}-kontakt@zylinder.example",
        salutation=f"Frau {prefix}mann",
    )
    client.tags.add(tag)
    archived = ClientFactory(
        owner=user,
        name=f"{prefix} Archivhaus KG",
        email=f"{prefix.lower()}-archiv@zylinder.example",
        archived_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    contact = ContactFactory(
        client=client, name=f"{prefix} Kontaktperson", email=f"{prefix.lower()}-person@zyl.example"
    )
    note = NoteFactory(client=client, body=f"{prefix} secret note about the budget")
    project = ProjectFactory(owner=user, client=client, title=f"{prefix} Relaunch Projekt")
    scope = ScopeItemFactory(project=project, title=f"{prefix} Startseite")
    scope2 = ScopeItemFactory(project=project, title=f"{prefix} Kontaktseite")
    milestone = MilestoneFactory(project=project, title=f"{prefix} Entwurf")
    revision = RevisionFactory(project=project)
    change = ChangeRequestFactory(project=project, title=f"{prefix} Shop-Erweiterung")
    draft_offer = OfferFactory(project=project, number=f"{prefix}-A-001")
    OfferLineFactory(offer=draft_offer, description=f"{prefix} Design")
    sent_offer = OfferFactory(project=project, number=f"{prefix}-A-002", status=Offer.Status.SENT)
    OfferLineFactory(offer=sent_offer, description=f"{prefix} Umsetzung")
    draft_invoice = InvoiceFactory(project=project)
    InvoiceLineFactory(invoice=draft_invoice, description=f"{prefix} Entwurf")
    issued_invoice = InvoiceFactory(
        project=project,
        number=f"{prefix}-R-0001",
        status=Invoice.Status.OPEN,
        issued_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 10, 15),
        total_net=Decimal("950.00"),
        total_vat=Decimal("180.50"),
        total_gross=Decimal("1130.50"),
    )
    InvoiceLineFactory(invoice=issued_invoice, description=f"{prefix} Design")
    payment = Payment.objects.create(
        invoice=issued_invoice, paid_on=datetime.date(2026, 10, 10), amount=Decimal("100.00")
    )
    messages = [
        MessageFactory(owner=user, client=client, status=status, subject=f"{prefix} {status}")
        for status in (
            Message.Status.DRAFT,
            Message.Status.FAILED,
            Message.Status.UNCERTAIN,
            Message.Status.SCHEDULED,
            Message.Status.SENT,
        )
    ]
    template = MessageTemplate.objects.create(
        owner=user,
        kind=Message.Kind.ONE_OFF,
        language="de",
        form=MessageTemplate.Form.FORMAL,
        subject=f"{prefix} Betreff",
        body="{{ greeting }}\n\nText.\n",
    )
    pause = ReminderPause.objects.create(owner=user, client=client, reason=f"{prefix} Streit")
    link = PortalLink.objects.create(owner=user, project=project)
    entry = TimeEntry.objects.create(
        owner=user,
        project=project,
        work_on=datetime.date(2026, 11, 2),
        seconds=3600,
        description=f"{prefix} secret work",
    )
    expense = Expense.objects.create(
        owner=user,
        project=project,
        spent_on=datetime.date(2026, 11, 2),
        description=f"{prefix} Stockfotos",
        amount=Decimal("119.00"),
        receipt=SimpleUploadedFile("beleg.pdf", b"%PDF-1.4 secret"),
    )
    retainer = Retainer.objects.create(
        owner=user,
        project=project,
        title=f"{prefix} Betreuung",
        amount=Decimal("900.00"),
        included_hours=Decimal(10),
        starts_on=datetime.date(2026, 10, 1),
    )
    upload = ImportUpload.objects.create(
        owner=user,
        filename=f"{prefix}.csv",
        content=f"Name;E-Mail\n{prefix} Neukunde;neu@{prefix.lower()}.example\n".encode(),
        file_kind="csv",
    )
    audit = AuditEntry.objects.create(
        owner=user,
        actor=user.username,
        action=AuditEntry.Action.UPDATE,
        object_type="client",
        object_id=str(client.pk),
        object_repr=client.name,
    )
    mails = _inbox_world(user, prefix, client)
    statement, bank_entries, known = _banking_rows(user, client, prefix, issued_invoice.number)
    return Freelancer(
        user=user,
        objects={
            "mail": mails,
            "attachment": [a for mail in mails for a in mail.attachments.all()],
            "tag": [tag],
            "client": [client, archived],
            "contact": [contact],
            "note": [note],
            "project": [project],
            "scope": [scope, scope2],
            "milestone": [milestone],
            "revision": [revision],
            "change_request": [change],
            "offer": [draft_offer, sent_offer],
            "invoice": [draft_invoice, issued_invoice],
            "payment": [payment],
            "message": messages,
            "template": [template],
            "pause": [pause],
            "portal_link": [link],
            "import_upload": [upload],
            "audit": [audit],
            "statement": [statement],
            "bank_entry": bank_entries,
            "known_account": [known],
            "time_entry": [entry],
            "expense": [expense],
            "retainer": [retainer],
        },
    )


def _inbox_world(user: Any, prefix: str, client: Any) -> list[Any]:
    """A mailbox with a mail to sort (with an attachment) and a reply on the client's timeline."""
    from inbox import services as inbox
    from inbox.tests.conftest import mime

    mailbox = inbox.mailbox_save(
        owner=user,
        data={"host": "imap.example.com", "port": 993, "security": "tls",
              "username": prefix.lower(), "folder": "INBOX", "is_active": False},
        password=f"{prefix} imap password",
    )  # fmt: skip
    raws = [
        mime(
            sender=f"{prefix.lower()}-stranger@elsewhere.example",
            subject=f"{prefix} Anfrage",
            attachments=[(f"{prefix}-brief.pdf", b"%PDF-1.4", "application/pdf")],
        ),
        mime(sender=client.email, subject=f"{prefix} Antwort"),
    ]
    return [inbox.mail_record(mailbox=mailbox, delivery=inbox.Delivery(raw=raw))[0] for raw in raws]


def _banking_rows(user: Any, client: Any, prefix: str, number: str) -> tuple[Any, list, Any]:
    """Import a statement: a partial payment of the issued invoice (proposed) and a debit."""
    from banking import services
    from banking.models import KnownAccount
    from banking.tests.statements import Entry, Tx, camt

    day = datetime.date(2026, 11, 12)
    statement = services.statement_import(
        user=user,
        data=camt(
            [
                Entry(Decimal("100.00"), day, txs=[Tx(name=client.name, remittance=[number])]),
                Entry(Decimal("9.99"), day, credit=False, txs=[Tx(name=f"{prefix} Hosting")]),
            ]
        ),
        file_name=f"{prefix} Auszug.xml",
    )
    known = KnownAccount.objects.create(
        owner=user, client=client, iban="DE02120300000000202051", name=client.name
    )
    return statement, list(statement.entries.order_by("position")), known


@pytest.fixture
def world(alice: Any, bob: Any) -> dict[str, Freelancer]:
    """Alice's rich data set and a parallel one of bob's (for mixed-ownership URLs)."""
    return {"alice": build_world(alice, prefix="Alice"), "bob": build_world(bob, prefix="Bob")}


def owned_models() -> list[Any]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in SECURITY_APPS and hasattr(model.objects, "owned_by")
    ]


def owned_snapshot(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Return every row ``user`` owns (all columns), by model, plus the user and profile rows."""
    from crm.models import Profile, User

    snapshot = {
        model._meta.label: sorted(
            model.objects.owned_by(user).values(), key=lambda row: row.get("id", 0)
        )
        for model in owned_models()
    }
    # last_login moves when a test logs the user in; every other column must stay.
    columns = [f.attname for f in User._meta.concrete_fields if f.attname != "last_login"]
    snapshot["user"] = list(User.objects.filter(pk=user.pk).values(*columns))
    snapshot["profile"] = list(Profile.objects.filter(user=user).values())
    return snapshot


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the security suite's counts (URLs walked, requests, examples) for docs/security.md."""
    import sys

    walker = sys.modules.get("tests.security.test_url_walker")
    fuzz = sys.modules.get("tests.security.test_form_fuzz")
    parts = []
    stats = walker.STATS if walker is not None else {}
    if "routes" in stats:
        parts.append(f"URL walker: {stats['routes']} URL patterns, {stats['requests']} requests")
    if "own_requests" in stats:
        parts.append(f"bob's own pages with alice's ids: {stats['own_requests']} requests")
    if fuzz is not None and fuzz.STATS["examples"]:
        parts.append(
            f"form fuzz: {fuzz.STATS['examples']} hypothesis examples, "
            f"{fuzz.STATS['requests']} requests"
        )
    if parts:
        terminalreporter.write_line("security suite: " + "; ".join(parts))
