"""The dashboard's reminder of setup steps still open (dashboard/setup.py)."""

from __future__ import annotations

from typing import Any

from django import template

from dashboard.setup import setup_open_steps

register = template.Library()


@register.simple_tag
def setup_open(user: Any) -> list[Any]:
    """Return the setup steps the freelancer has not done yet (no query)."""
    return setup_open_steps(user)
