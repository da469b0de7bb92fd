"""Template helpers other apps use to show client notes (see docs/clients.md)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def quick_note_form_for(user: Any) -> Any:
    """Return an empty quick-add note form for ``user`` (client chooser of active clients)."""
    from clients.forms import NoteQuickAddForm

    return NoteQuickAddForm(user=user)


@register.simple_tag
def prominent_notes_for(client: Any) -> list[Any]:
    """Return the client's pinned notes and no-gos, for ``_prominent_notes.html``."""
    from clients.services import notes_prominent_for

    return notes_prominent_for(client)
