"""The goodwill ledger on the client page: rounds given and concessions in money, per currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from projects.selectors.scope import goodwill_ledger
from projects.services.invoices import invoice_cancel, invoice_create, invoice_issue

from .factories import InvoiceLineFactory, ProjectFactory, RevisionFactory

pytestmark = pytest.mark.django_db


def _issued(project: Any, *lines: tuple[str, str]) -> Any:
    """Issue an invoice of 1,000.00 net with concession lines ``(kind, amount)``."""
    invoice = invoice_create(project=project, actor=project.owner)
    invoice.lines.all().delete()
    InvoiceLineFactory(invoice=invoice, description="Design", quantity=10, unit_price="100.00")
    for kind, amount in lines:
        InvoiceLineFactory(
            invoice=invoice, kind=kind, description=kind, quantity=1, unit_price=amount
        )
    return invoice_issue(invoice=invoice, actor=project.owner)


@pytest.fixture
def ledger_rows(alice: Any, bob: Any, weber: Any) -> Any:
    euro = ProjectFactory(owner=alice, client=weber)
    dollar = ProjectFactory(owner=alice, client=weber, currency="USD")
    _issued(euro, ("discount", "-100.00"), ("goodwill", "-50.00"))
    _issued(euro, ("goodwill", "-25.00"))
    _issued(dollar, ("goodwill", "-40.00"))
    # A cancelled invoice counts for nothing, nor does its cancellation.
    invoice_cancel(invoice=_issued(euro, ("discount", "-300.00")), actor=alice)
    RevisionFactory(project=euro, billing="goodwill")
    RevisionFactory(project=dollar, billing="goodwill")
    RevisionFactory(project=euro, billing="included")
    # Bob's goodwill is not alice's client's.
    RevisionFactory(project=ProjectFactory(owner=bob), billing="goodwill")
    return weber


def test_it_sums_concessions_per_currency_beside_the_revenue(
    ledger_rows: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):
        ledger = goodwill_ledger(client=ledger_rows)
    assert ledger["rounds"] == 2
    assert ledger["currencies"] == [
        {
            "currency": "EUR",
            "invoiced": Decimal("1825.00"),
            "discount": Decimal("100.00"),
            "goodwill": Decimal("75.00"),
        },
        {
            "currency": "USD",
            "invoiced": Decimal("960.00"),
            "discount": Decimal("0.00"),
            "goodwill": Decimal("40.00"),
        },
    ]


def test_the_client_page_shows_the_ledger(alice_client: Any, ledger_rows: Any) -> None:
    page = alice_client.get(reverse("clients:detail", args=[ledger_rows.pk])).content.decode()
    assert 'id="goodwill-ledger"' in page
    assert "€1,825.00" in page
    assert "€75.00" in page
    assert "$40.00" in page
    assert "2 revision rounds given as goodwill" in page


def test_a_new_client_has_an_empty_ledger(alice_client: Any, anna: Any) -> None:
    assert goodwill_ledger(client=anna) == {"rounds": 0, "currencies": []}
    page = alice_client.get(reverse("clients:detail", args=[anna.pk])).content.decode()
    assert "Nothing invoiced yet." in page
    assert "0 revision rounds given as goodwill" in page


def test_the_ledger_speaks_german(alice_client: Any, alice: Any, ledger_rows: Any) -> None:
    alice.profile.language = "de"
    alice.profile.save()
    page = alice_client.get(
        reverse("clients:detail", args=[ledger_rows.pk]), headers={"accept-language": "de"}
    ).content.decode()
    assert "Umsatz und Kulanz" in page
    assert "2 Korrekturschleifen aus Kulanz gewährt" in page
    assert "1.825,00\xa0€" in page
