"""Demo data for the banking app (see crm.demo): the invoices docs/sample-statement.camt053.xml
pays, with fixed numbers and amounts.

Uploaded by the demo user (Bank → Upload), the sample books 2026-0901 (exact amount, number in
the text) and 2026-0902 (number split by a line break, "Rechnung"), proposes 500.00 as a
partial payment of 2026-0903, and ignores a debit and a private credit. The invoices are a few
days overdue, so the planner has a reminder ready for them that the booking cancels.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.demo import DemoContext
from projects import documents
from projects.models import Invoice, InvoiceLine, Project

from .models import Allocation, BankAccount, BankEntry, KnownAccount, StatementImport

# number, net amount (19 % VAT on top), description; the sample statement pays these.
SAMPLE_INVOICES = [
    ("2026-0901", Decimal("1200.00"), "Wartung Website, 4. Quartal"),
    ("2026-0902", Decimal("2500.00"), "Redaktionsplan und Texte Newsletter"),
    ("2026-0903", Decimal("1000.00"), "Fotoshooting Team, Bildbearbeitung"),
]


def wipe(user: Any) -> None:
    """Delete the demo user's statements, bank entries and known accounts."""
    Allocation.objects.filter(entry__owner=user).delete()
    BankEntry.objects.filter(owner=user).delete()
    StatementImport.objects.filter(owner=user).delete()
    BankAccount.objects.filter(owner=user).delete()
    KnownAccount.objects.filter(owner=user).delete()


def seed(context: DemoContext) -> None:
    """Issue the three invoices the sample statement in docs/ pays (skipped if taken)."""
    user, today = context.user, context.today
    clients = [c for c in context.shared.get("clients", []) if c.language == "de" and c.email]
    numbers = [number for number, _net, _text in SAMPLE_INVOICES]
    if (
        len(clients) < len(SAMPLE_INVOICES)
        or Invoice.objects.filter(owner=user, number__in=numbers).exists()
    ):
        return
    seller = documents.seller_data(user)
    issued = today - datetime.timedelta(days=21)
    for client, (number, net, description) in zip(clients, SAMPLE_INVOICES, strict=False):
        project = Project.objects.filter(owner=user, client=client).first() or (
            Project.objects.create(
                owner=user, client=client, title=description, status=Project.Status.ACTIVE
            )
        )
        invoice = Invoice(
            owner=user,
            project=project,
            client=client,
            number=number,
            status=Invoice.Status.OPEN,
            issued_on=issued,
            delivery_from=issued - datetime.timedelta(days=30),
            delivery_to=issued,
            due_on=issued + datetime.timedelta(days=14),
            currency="EUR",
        )
        line = InvoiceLine(
            invoice=invoice,
            position=1,
            description=description,
            quantity=Decimal(1),
            unit="pauschal",
            unit_price=net,
            vat_rate=Decimal("19.00"),
        )
        snapshot = documents.invoice_snapshot(invoice, lines=[line], seller=seller)
        invoice.snapshot = snapshot
        invoice.total_net = Decimal(snapshot["totals"]["net"])
        invoice.total_vat = Decimal(snapshot["totals"]["vat"])
        invoice.total_gross = Decimal(snapshot["totals"]["gross"])
        invoice.save()
        line.invoice = invoice
        line.save()
    context.count("invoices for the sample bank statement", len(SAMPLE_INVOICES))
