from __future__ import annotations

import datetime
from typing import Any

import pytest

from clients.models import Client
from clients.tests.factories import ClientFactory

# A Tuesday, 10:00 in Berlin: inside working hours.
NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def acme(alice: Any) -> Client:
    """Alice's German client, addressed formally."""
    return ClientFactory(
        owner=alice,
        name="Acme GmbH",
        email="info@acme.example",
        language="de",
        form_of_address="formal",
        salutation="Frau Dr. Weber",
    )


@pytest.fixture
def initech(alice: Any) -> Client:
    """Alice's English client, addressed casually."""
    return ClientFactory(
        owner=alice,
        name="Initech",
        email="bill@initech.example",
        language="en",
        form_of_address="informal",
        salutation="Bill",
    )


@pytest.fixture
def globex(bob: Any) -> Client:
    """Bob's client, which alice must never see."""
    return ClientFactory(owner=bob, name="Globex Ltd", email="hello@globex.example")
