"""Ids that arrive as text (form fields, query parameters): parse them or answer 404."""

from __future__ import annotations

from django.http import Http404

# PostgreSQL's bigint: a larger id selects nothing, and must not reach the database as one.
MAX_ID = 2**63 - 1


def id_or_404(value: object) -> int:
    """Return ``value`` as a positive row id, or raise Http404 (text, negative, huge, Unicode)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise Http404
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise Http404
    return number
