"""Services of the communications app: the outbox and the activity log.

Other apps write to the client's timeline and create messages only through these functions
(``from communications import services as comms``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client

from .models import Activity, Message


def activity_record(
    *,
    client: Client,
    kind: str,
    summary: str,
    detail: str = "",
    occurred_at: datetime.datetime | None = None,
    **links: Any,
) -> Activity:
    """Add one entry to the client's timeline. Not idempotent: call once per event.

    ``links`` may name the project, note, message, offer, invoice or change_request concerned.
    """
    return Activity.objects.create(
        owner_id=client.owner_id,
        client=client,
        kind=kind,
        summary=summary[:300],
        detail=detail,
        occurred_at=occurred_at or timezone.now(),
        **links,
    )


def message_create(
    *,
    client: Client,
    kind: str,
    subject: str,
    body_text: str,
    dedupe_key: str,
    body_html: str = "",
    status: str = Message.Status.DRAFT,
    send_after: datetime.datetime | None = None,
    **links: Any,
) -> tuple[Message, bool]:
    """Create a message in the outbox unless one with ``dedupe_key`` exists; safe to run twice.

    Returns ``(message, created)``. The unique (owner, dedupe_key) constraint makes a race between
    two planners end in one row: the loser's insert fails and it reads the winner's row.
    """
    defaults = {
        "client": client,
        "kind": kind,
        "subject": " ".join(subject.split())[:300],
        "body_text": body_text,
        "body_html": body_html,
        "status": status,
        "send_after": send_after,
        "to": client.email,
        **links,
    }
    try:
        with transaction.atomic():
            message, created = Message.objects.get_or_create(
                owner_id=client.owner_id, dedupe_key=dedupe_key, defaults=defaults
            )
    except IntegrityError:
        message, created = (
            Message.objects.get(owner_id=client.owner_id, dedupe_key=dedupe_key),
            False,
        )
    if created:
        activity_record(
            client=client,
            kind=Activity.Kind.MESSAGE,
            summary=message.subject,
            message=message,
            project=links.get("project"),
        )
    return message, created


def message_approve(*, message: Message, send_after: datetime.datetime | None = None) -> Message:
    """Turn a draft into a scheduled message (the dispatcher sends it). Safe to run twice."""
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.DRAFT).update(
        status=Message.Status.SCHEDULED,
        send_after=send_after or timezone.now(),
        updated_at=timezone.now(),
    )
    if updated:
        message.refresh_from_db()
    return message


def message_compose(
    *,
    kind: str,
    client: Client,
    dedupe_key: str,
    status: str = Message.Status.DRAFT,
    send_after: datetime.datetime | None = None,
    **links: Any,
) -> tuple[Message, bool]:
    """Write a message of ``kind`` to ``client`` from the message templates and queue it.

    ``links`` name what it is about (project, invoice, milestone, offer, change_request); they
    feed the template context and are stored on the row. Safe to run twice (dedupe key).
    """
    # Until the template catalogue is in place: greeting, the kind's name, the closing.
    tone = client.tone
    label = str(Message.Kind(kind).label)
    body = f"{tone.greeting}\n\n{label}\n\n{tone.closing}"
    return message_create(
        client=client,
        kind=kind,
        subject=label,
        body_text=body,
        dedupe_key=dedupe_key,
        status=status,
        send_after=send_after,
        **links,
    )
