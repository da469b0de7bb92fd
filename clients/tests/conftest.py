from __future__ import annotations

from typing import Any

import pytest

from clients.models import Client

from .factories import ClientFactory


@pytest.fixture
def acme(alice: Any) -> Client:
    """Alice's client."""
    return ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example")


@pytest.fixture
def globex(bob: Any) -> Client:
    """Bob's client, which alice must never see."""
    return ClientFactory(owner=bob, name="Globex Ltd", email="hello@globex.example")


def project_for(client: Client, **extra: Any) -> Any:
    """Create a project for ``client`` (the projects app owns the model; read-only here)."""
    from projects.models import Project

    return Project.objects.create(
        owner=client.owner, client=client, title=extra.pop("title", "Website"), **extra
    )
