"""Writing the client's timeline: the one way every app adds an entry."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from .models import Activity


def activity_entry(
    *,
    client: Any,
    kind: str,
    summary: str,
    detail: str = "",
    occurred_at: datetime.datetime | None = None,
    **links: Any,
) -> Activity:
    """Return one timeline entry of the client, not saved yet: for services that store many in
    one ``bulk_create``. ``links`` as for ``activity_record``."""
    return Activity(
        owner_id=client.owner_id,
        client=client,
        kind=kind,
        summary=summary[:300],
        detail=detail,
        occurred_at=occurred_at or timezone.now(),
        **links,
    )


def activity_record(
    *,
    client: Any,
    kind: str,
    summary: str,
    detail: str = "",
    occurred_at: datetime.datetime | None = None,
    **links: Any,
) -> Activity:
    """Add one entry to the client's timeline. Not idempotent: call once per event.

    ``links`` may name the project, note, message, offer, invoice or change_request concerned.
    """
    activity = activity_entry(
        client=client,
        kind=kind,
        summary=summary,
        detail=detail,
        occurred_at=occurred_at,
        **links,
    )
    activity.save(force_insert=True)
    return activity


def activity_log(
    *, client: Any, kind: str, summary: str, detail: str, occurred_at: datetime.datetime
) -> Activity:
    """Log a call or meeting by hand onto the client's timeline. Not idempotent."""
    if kind not in {Activity.Kind.CALL, Activity.Kind.MEETING}:
        raise ValueError("Only calls and meetings are logged by hand.")
    return activity_record(
        client=client, kind=kind, summary=summary, detail=detail, occurred_at=occurred_at
    )
