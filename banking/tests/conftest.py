"""Fixtures of the banking tests: alice's clients and open invoices named in tests/data.

The statement files in tests/data pay these invoices: 2026-0042 (1,190.00), 2026-0043
(595.00) and 2026-0044 (1,785.00) of Acme GmbH; 2026-0045 (2,380.00) and 2026-0046 (476.00)
of Initech Ltd. Alice's account is DE89370400440532013000 (her profile's IBAN).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clients.models import Client
from clients.tests.factories import ClientFactory
from communications.tests.factories import InvoiceFactory, ProjectFactory
from projects.models import Invoice

DATA = Path(__file__).resolve().parent / "data"
ACME_IBAN = "DE02120300000000202051"
INITECH_IBAN = "GB29NWBK60161331926819"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def open_invoice(client: Client, number: str, gross: str, **extra: Any) -> Invoice:
    gross_amount = Decimal(gross)
    return InvoiceFactory(
        project=ProjectFactory(client=client),
        number=number,
        total_net=(gross_amount / Decimal("1.19")).quantize(Decimal("0.01")),
        total_vat=gross_amount - (gross_amount / Decimal("1.19")).quantize(Decimal("0.01")),
        total_gross=gross_amount,
        **extra,
    )


@pytest.fixture
def acme(alice: Any) -> Client:
    return ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example")


@pytest.fixture
def initech(alice: Any) -> Client:
    return ClientFactory(
        owner=alice, name="Initech Ltd", email="bill@initech.example", language="en"
    )


@pytest.fixture
def globex(bob: Any) -> Client:
    """Bob's client, with invoice numbers equal to alice's: never matched for alice."""
    return ClientFactory(owner=bob, name="Globex Ltd", email="hello@globex.example")


@pytest.fixture
def invoices(acme: Client, initech: Client) -> dict[str, Invoice]:
    """Alice's open invoices that the sample statements pay."""
    return {
        "2026-0042": open_invoice(acme, "2026-0042", "1190.00"),
        "2026-0043": open_invoice(acme, "2026-0043", "595.00"),
        "2026-0044": open_invoice(acme, "2026-0044", "1785.00"),
        "2026-0045": open_invoice(initech, "2026-0045", "2380.00"),
        "2026-0046": open_invoice(initech, "2026-0046", "476.00"),
    }
