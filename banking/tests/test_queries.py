"""The import's query count: the same for a statement of 5 bookings or 50 (one insert or update
per 1,000 rows), whether the bookings are proposed or booked as payments, with reminders to
cancel or not, and independent of how many payments an invoice already has or gets in one
statement."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banking import decisions, services
from banking.tests.statements import Entry, Tx, camt
from clients.models import Client
from clients.tests.factories import ClientFactory
from communications.models import PENDING_STATUSES, Message
from communications.planners.reminders import reminders_plan
from projects.models import Invoice, Payment
from projects.services.payments import invoice_record_payment
from timeline.models import Activity

from .conftest import open_invoice

DAY = datetime.date(2026, 11, 12)


def queries(user: Any, entries: list[Entry]) -> int:
    content = camt(entries)
    with CaptureQueriesContext(connection) as captured:
        services.statement_import(user=user, data=content, file_name="q.xml")
    return len(captured.captured_queries)


def warm_up(user: Any) -> None:
    """Import once, so the account exists (its first import creates it: two more queries)."""
    queries(user, [Entry(Decimal("1.00"), DAY - datetime.timedelta(days=60), credit=False)])


def credit(amount: str, text: str, day: int = 0, iban: str = "DE75512108001245126199") -> Entry:
    return Entry(
        Decimal(amount),
        DAY + datetime.timedelta(days=day),
        txs=[Tx(name="Payer", iban=iban, remittance=[text])],
    )


def test_it_matches_a_statement_of_any_length_with_the_same_queries(
    alice: Any, acme: Client
) -> None:
    for n in range(30):
        open_invoice(acme, f"2026-{n + 100:04d}", f"{100 + n}.00")

    # Partial payments (proposals), unrelated credits and debits: nothing is booked.
    def statement(size: int, offset: int) -> list[Entry]:
        return [
            credit("10.00", f"RE 2026-{100 + n:04d} Teilzahlung", day=offset + n)
            if n % 3 == 0
            else credit("3.21", f"Spende {n}", day=offset + n)
            for n in range(size)
        ]

    warm_up(alice)
    small = queries(alice, statement(4, 0))
    large = queries(alice, statement(40, 100))

    assert small == large


def test_it_books_5_or_50_payments_with_the_same_queries(alice: Any) -> None:
    # 55 clients with an overdue invoice each, and a planned reminder for each of them.
    for n in range(55):
        client = ClientFactory(owner=alice, name=f"Kunde {n}", email=f"k{n}@example.com")
        open_invoice(client, f"2026-{n + 200:04d}", "50.00", due_on=DAY - datetime.timedelta(20))
    day = datetime.datetime(2026, 11, 12, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(day, tick=False):
        reminders_plan(now=day)
    assert Message.objects.filter(status__in=PENDING_STATUSES).count() == 55

    def statement(numbers: range, offset: int) -> list[Entry]:
        return [
            credit("50.00", f"RE 2026-{n:04d}", day=offset + n, iban=f"DE{n:020d}") for n in numbers
        ]

    warm_up(alice)
    five = queries(alice, statement(range(200, 205), 0))
    fifty = queries(alice, statement(range(205, 255), 100))

    assert five == fifty
    assert Invoice.objects.filter(owner=alice, status=Invoice.Status.PAID).count() == 55
    assert Payment.objects.filter(invoice__owner=alice).count() == 55
    assert Activity.objects.filter(owner=alice, summary__startswith="Payment of").count() == 55
    # Every reminder was cancelled in the same transaction as its invoice's payment.
    assert Message.objects.filter(status=Message.Status.CANCELLED).count() == 55


def test_it_costs_the_same_whatever_an_invoice_was_paid_before(alice: Any, acme: Client) -> None:
    fresh = open_invoice(acme, "2026-0300", "500.00")
    paid_often = open_invoice(acme, "2026-0301", "1000.00")
    for day in range(10):
        invoice_record_payment(
            invoice=paid_often,
            amount=Decimal("50.00"),
            paid_on=DAY - datetime.timedelta(days=20 - day),
        )

    warm_up(alice)
    first = queries(alice, [credit("500.00", "RE 2026-0300")])
    second = queries(alice, [credit("500.00", "RE 2026-0301", day=1)])

    assert first == second
    assert Invoice.objects.filter(pk__in=[fresh.pk, paid_often.pk], status="paid").count() == 2


def test_it_books_several_payments_of_one_invoice_in_one_statement(
    alice: Any, acme: Client
) -> None:
    invoice = open_invoice(acme, "2026-0400", "300.00")

    services.statement_import(
        user=alice,
        data=camt(
            [
                credit("100.00", "RE 2026-0400 Rate 1"),
                credit("100.00", "RE 2026-0400 Rate 2", day=1),
                credit("100.00", "RE 2026-0400 Rate 3", day=2),
            ]
        ),
        file_name="rates.xml",
    )

    invoice.refresh_from_db()
    # Each instalment is a partial payment: proposed, then booked one by one on confirmation.
    assert invoice.status == Invoice.Status.OPEN
    for entry in alice_entries(alice):
        decisions.entry_book(entry=entry, allocations=decisions.entry_proposal(entry))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("300.00"))


def alice_entries(user: Any) -> list[Any]:
    from banking.models import BankEntry

    return list(BankEntry.objects.owned_by(user).order_by("booked_on"))
