"""Demo data for the communications app (see crm.demo)."""

from typing import Any

from crm.demo import DemoContext


def wipe(user: Any) -> None:
    """Delete the demo user's communications rows."""


def seed(context: DemoContext) -> None:
    """Create realistic communications rows for the demo user."""
