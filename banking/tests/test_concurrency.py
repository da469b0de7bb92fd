"""Two imports of one statement at the same moment book each payment once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from banking import services
from banking.models import BankEntry, StatementImport
from projects.models import Invoice, Payment

from .conftest import data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_books_once_when_the_same_file_is_imported_twice_at_once(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    content = data("camt053_sparkasse.xml")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            start.wait(timeout=10)
            services.statement_import(user=alice, data=content, file_name="twice.xml")
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    imports = StatementImport.objects.order_by("pk")
    assert sorted((i.booked, i.duplicates) for i in imports) == [(0, 5), (2, 0)]
    assert BankEntry.objects.count() == 5
    assert Payment.objects.count() == 3
