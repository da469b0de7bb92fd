"""Template helpers for the quick-add note form other pages include (see docs/clients.md)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def quick_note_form_for(user: Any) -> Any:
    """Return an empty quick-add note form for ``user`` (client chooser of active clients)."""
    from clients.forms import NoteQuickAddForm

    return NoteQuickAddForm(user=user)
