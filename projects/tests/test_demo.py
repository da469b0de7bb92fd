"""Demo data: every status is covered, numbers are gap-free, documents render."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.utils import timezone

from clients import demo as clients_demo
from crm.demo import DemoContext
from projects import demo, documents
from projects.models import Invoice, InvoiceLine, Milestone, Offer, Project, RevisionRound

pytestmark = pytest.mark.django_db


@pytest.fixture
def context(alice: Any) -> DemoContext:
    context = DemoContext(
        user=alice,
        rng=random.Random(7),
        clients=40,
        today=datetime.date(2026, 11, 23),
        now=timezone.now(),
    )
    clients_demo.seed(context)
    demo.seed(context)
    return context


def test_it_covers_every_status(context: DemoContext) -> None:
    user = context.user
    assert set(Project.objects.filter(owner=user).values_list("status", flat=True)) == set(
        Project.Status.values
    )
    assert set(Offer.objects.filter(owner=user).values_list("status", flat=True)) == set(
        Offer.Status.values
    )
    statuses = set(Invoice.objects.filter(owner=user).values_list("status", flat=True))
    assert {"open", "partly_paid", "paid", "cancelled"} <= statuses
    assert Invoice.objects.owned_by(user).overdue(context.today).exists()
    states = {m.state_on(context.today) for m in Milestone.objects.filter(project__owner=user)}
    assert {"late", "at_risk", "on_track", "done"} <= states
    assert RevisionRound.objects.filter(project__owner=user, billing="goodwill").exists()
    # Goodwill in money too, and no invoice below zero.
    goodwill = InvoiceLine.objects.filter(invoice__owner=user, kind="goodwill")
    assert goodwill.filter(invoice__status="paid").exists()
    assert not Invoice.objects.filter(owner=user, cancels__isnull=True, total_net__lt=0).exists()
    for key in ("projects", "invoices", "offers", "milestones"):
        assert context.shared[key]


def test_it_numbers_invoices_without_gaps(context: DemoContext) -> None:
    numbers = sorted(Invoice.objects.filter(owner=context.user).values_list("number", flat=True))
    assert numbers == [f"2026-{n:04d}" for n in range(1, len(numbers) + 1)]
    assert Invoice.objects.filter(owner=context.user, cancels__isnull=False).exists()


def test_it_freezes_sent_offers_and_renders_them(context: DemoContext) -> None:
    sent = Offer.objects.filter(owner=context.user).exclude(status="draft")
    assert not sent.filter(snapshot__isnull=True).exists()
    offer = sent.select_related("project__client").first()
    assert documents.offer_pdf(offer).startswith(b"%PDF")
    invoice = Invoice.objects.filter(owner=context.user, status="open").first()
    assert documents.invoice_pdf(invoice).startswith(b"%PDF")


def test_it_wipes_everything_it_made(context: DemoContext) -> None:
    demo.wipe(context.user)
    assert not Project.objects.filter(owner=context.user).exists()
    assert not Invoice.objects.filter(owner=context.user).exists()


def test_every_demo_invoice_passes_en_16931(context: DemoContext) -> None:
    """The demo's e-invoices (issued and cancellation invoices) pass the official rules."""
    from projects.einvoice import invoice_xml
    from projects.einvoice.validation import en16931_report

    invoices = Invoice.objects.filter(owner=context.user).exclude(status="draft")
    assert invoices.exists()
    for invoice in invoices:
        report = en16931_report(invoice_xml(invoice.snapshot))
        assert report.clean, (invoice.number, [str(f) for f in [*report.errors, *report.warnings]])
