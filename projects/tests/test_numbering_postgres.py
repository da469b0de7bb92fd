"""Gap-free invoice numbers under simultaneous requests (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from projects.models import Invoice, NumberSequence
from projects.services.invoices import invoice_create, invoice_issue
from projects.services.numbering import number_next

from .factories import InvoiceLineFactory, ProjectFactory

THREADS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_hands_out_no_duplicates_and_no_gaps_under_concurrency(alice: Any) -> None:
    project = ProjectFactory(owner=alice)
    drafts = []
    for _ in range(THREADS):
        draft = invoice_create(project=project, actor=alice)
        InvoiceLineFactory(invoice=draft)
        drafts.append(draft)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue(invoice: Invoice) -> None:
        try:
            barrier.wait(timeout=10)
            invoice_issue(invoice=invoice, actor=alice)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = sorted(Invoice.objects.filter(owner=alice).values_list("number", flat=True))
    year = numbers[0][:4]
    assert numbers == [f"{year}-{n:04d}" for n in range(1, THREADS + 1)]
    assert NumberSequence.objects.get(owner=alice, kind="invoice").last_number == THREADS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_creates_the_sequence_row_once_when_two_start_a_new_year(alice: Any) -> None:
    barrier = threading.Barrier(2)
    results: list[int] = []

    def take() -> None:
        from django.db import transaction

        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results.append(number_next(owner=alice, kind="offer", year=2031))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [1, 2]
