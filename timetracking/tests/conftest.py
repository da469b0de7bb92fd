"""Fixtures of the time-tracking tests: alice's clients and an hourly project."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clients.tests.factories import ClientFactory
from projects.tests.factories import MilestoneFactory, ProjectFactory, ScopeItemFactory


@pytest.fixture
def weber(alice: Any) -> Any:
    """A German client addressed formally."""
    return ClientFactory(
        owner=alice,
        kind="person",
        name="Sabine Weber",
        salutation="Frau Dr. Weber",
        language="de",
        form_of_address="formal",
    )


@pytest.fixture
def acme(alice: Any) -> Any:
    """An English client addressed formally."""
    return ClientFactory(owner=alice, name="Acme Ltd", language="en", form_of_address="formal")


@pytest.fixture
def project(alice: Any, weber: Any) -> Any:
    """An hourly project (80 EUR/h, 40 h estimated) with scope in and out."""
    project = ProjectFactory(
        owner=alice,
        client=weber,
        title="Website-Relaunch",
        pricing="hourly",
        fixed_price=None,
        hourly_rate=Decimal("80.00"),
        estimated_hours=Decimal("40.00"),
    )
    ScopeItemFactory(project=project, title="Startseite", position=1)
    ScopeItemFactory(project=project, title="Shop", is_in_scope=False, position=2)
    return project


@pytest.fixture
def milestone(project: Any) -> Any:
    return MilestoneFactory(
        project=project,
        title="Entwurf",
        due_on=project.start_on.replace(day=20),
        estimated_hours=Decimal("16.00"),
    )


@pytest.fixture
def bobs_project(bob: Any) -> Any:
    return ProjectFactory(owner=bob, client=ClientFactory(owner=bob, name="Globex"))
