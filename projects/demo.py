"""Demo data for the projects app (see crm.demo)."""

from typing import Any

from crm.demo import DemoContext


def wipe(user: Any) -> None:
    """Delete the demo user's projects rows."""


def seed(context: DemoContext) -> None:
    """Create realistic projects rows for the demo user."""
