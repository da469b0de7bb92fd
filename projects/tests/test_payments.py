"""Recording payments in batches: the same rules and records as one payment, one event, and
queries that do not grow with the number of payments."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import AuditEntry
from projects import events
from projects.models import Invoice, Payment
from projects.services import ProjectError
from projects.services.payments import PaymentIn, invoice_payments_record
from timeline.models import Activity

from .factories import InvoiceFactory, ProjectFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def open_invoices(project: Any, count: int, gross: str = "100.00") -> list[Invoice]:
    return [
        InvoiceFactory(
            project=project,
            number=f"2026-{n + 1:04d}",
            status=Invoice.Status.OPEN,
            total_net=Decimal(gross),
            total_gross=Decimal(gross),
        )
        for n in range(count)
    ]


@pytest.fixture
def project(alice: Any, weber: Any) -> Any:
    return ProjectFactory(owner=alice, client=weber)


def pay(invoice: Invoice, amount: str, group: Any = None) -> PaymentIn:
    return PaymentIn(invoice_id=invoice.pk, amount=Decimal(amount), paid_on=TODAY, group=group)


def test_it_records_a_batch_with_the_same_queries_as_one_payment(project: Any) -> None:
    invoices = open_invoices(project, 21)

    with CaptureQueriesContext(connection) as one:
        invoice_payments_record(payments=[pay(invoices[0], "100.00")])
    with CaptureQueriesContext(connection) as twenty:
        invoice_payments_record(payments=[pay(invoice, "100.00") for invoice in invoices[1:]])

    assert len(one.captured_queries) == len(twenty.captured_queries)
    assert Invoice.objects.filter(status=Invoice.Status.PAID, paid_on=TODAY).count() == 21
    assert Payment.objects.count() == 21
    assert AuditEntry.objects.filter(object_type="projects.invoice").count() == 21
    assert Activity.objects.filter(kind="invoice").count() == 21


def test_it_records_several_payments_of_one_invoice_in_order(project: Any) -> None:
    (invoice,) = open_invoices(project, 1)

    recorded = invoice_payments_record(
        payments=[pay(invoice, "30.00"), pay(invoice, "30.00"), pay(invoice, "40.00")]
    )

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.paid_on) == (
        Invoice.Status.PAID,
        Decimal("100.00"),
        TODAY,
    )
    assert [payment.amount for payment in recorded.payments if payment] == [
        Decimal("30.00"),
        Decimal("30.00"),
        Decimal("40.00"),
    ]
    statuses = [
        entry.changes["status"] for entry in AuditEntry.objects.order_by("pk") if entry.changes
    ]
    assert statuses == [
        ["open", "partly_paid"],
        ["partly_paid", "partly_paid"],
        ["partly_paid", "paid"],
    ]
    assert list(
        Activity.objects.filter(invoice=invoice).order_by("pk").values_list("summary", flat=True)
    ) == [
        "Payment of 30.00 received for 2026-0001",
        "Payment of 30.00 received for 2026-0001",
        "Payment of 40.00 received for 2026-0001",
    ]


def test_it_records_nothing_when_one_payment_of_an_all_or_nothing_batch_is_refused(
    project: Any,
) -> None:
    first, second = open_invoices(project, 2)

    with pytest.raises(ProjectError, match="more than the amount due"):
        invoice_payments_record(payments=[pay(first, "100.00"), pay(second, "100.01")])

    assert Payment.objects.count() == 0
    assert set(Invoice.objects.values_list("status", flat=True)) == {Invoice.Status.OPEN}


def test_it_drops_only_the_refused_group_and_says_why(project: Any) -> None:
    first, second, third = open_invoices(project, 3)
    Invoice.objects.filter(pk=third.pk).update(status=Invoice.Status.CANCELLED)

    recorded = invoice_payments_record(
        payments=[
            pay(first, "60.00", group="a"),
            pay(first, "40.00", group="b"),  # pays the rest of the first invoice
            pay(second, "100.00", group="b"),
            pay(third, "100.00", group="b"),  # cancelled: group b is refused as a whole
            pay(second, "50.00", group="c"),
        ],
        all_or_nothing=False,
    )

    assert list(recorded.refused) == ["b"]
    refused_invoice, reason = recorded.refused["b"]
    assert refused_invoice.pk == third.pk
    assert "open invoice" in reason
    assert [payment is not None for payment in recorded.payments] == [
        True,
        False,
        False,
        False,
        True,
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.amount_paid) == (Invoice.Status.PARTLY_PAID, Decimal("60.00"))
    assert (second.status, second.amount_paid) == (Invoice.Status.PARTLY_PAID, Decimal("50.00"))
    assert Payment.objects.count() == 2


def test_it_announces_a_batch_in_one_event(project: Any) -> None:
    invoices = open_invoices(project, 3)
    received: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        received.append(kwargs)

    events.invoice_payments_recorded.connect(listener)
    try:
        invoice_payments_record(
            payments=[
                pay(invoices[0], "100.00"),
                pay(invoices[1], "20.00"),
                pay(invoices[1], "30.00"),
            ]
        )
    finally:
        events.invoice_payments_recorded.disconnect(listener)

    assert len(received) == 1
    assert [invoice.pk for invoice in received[0]["invoices"]] == [
        invoices[0].pk,
        invoices[1].pk,
    ]
    assert [invoice.status for invoice in received[0]["invoices"]] == [
        Invoice.Status.PAID,
        Invoice.Status.PARTLY_PAID,
    ]
    assert len(received[0]["payments"]) == 3
    assert all(payment.pk for payment in received[0]["payments"])
