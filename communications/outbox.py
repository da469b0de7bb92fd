"""The outbox's front door: every message row is built and inserted here, with its timeline entry.

Two callers write messages: the services (one message, e.g. an offer's e-mail or a hand-written
note) and the planners (many at once, rendered in bulk). Both build rows with ``message_build``,
which holds the one rule about a client without an e-mail address (a message that should go out
is *held* instead, with ``NO_EMAIL`` as the reason), and insert them with ``message_insert`` or
``messages_insert``, which give every new row exactly one entry on the client's timeline.

Inserting is idempotent: the unique (owner, dedupe_key) constraint keeps one row per key, and
the unique (message) constraint on timeline entries keeps one entry per message, whatever
planners or requests race.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from timeline.models import Activity

from .holds import pause_holds, paused_reason
from .models import Message
from .rendering import Rendered

NO_EMAIL = _("The client has no e-mail address. Add one, then release the message.")


def held_reason_for(to: str, *, language: str | None = None) -> str:
    """Return why a message to ``to`` cannot go out, or "" when it can (the no-e-mail rule).

    ``language`` is the freelancer's, for callers outside a request (planners, dispatcher);
    in a request the freelancer's language is already active.
    """
    if to.strip():
        return ""
    if language is None:
        return str(NO_EMAIL)
    with translation.override(language):
        return str(NO_EMAIL)


def message_build(
    *,
    client: Client,
    kind: str,
    dedupe_key: str,
    rendered: Rendered,
    status: str = Message.Status.DRAFT,
    send_after: datetime.datetime | None = None,
    held_reason: str = "",
    language: str | None = None,
    **links: Any,
) -> Message:
    """Return an unsaved message to ``client``; one scheduled for a client without an address
    is held instead (``held_reason_for``), as is every automatic message to a paused client
    (``holds.pause_holds``). Writes nothing.

    ``links`` name what it is about (project, invoice, milestone, offer, change_request) and
    may carry ``attachments`` and, for a message held by its caller, ``held_from`` (the
    status it would have had).
    """
    held_from = links.pop("held_from", "")
    if status != Message.Status.CANCELLED and pause_holds(client, kind):
        held_from = held_from or status
        status, held_reason = Message.Status.HELD, paused_reason(language)
        links["held_by_pause"] = True
    if status == Message.Status.SCHEDULED:
        reason = held_reason_for(client.email, language=language)
        if reason:
            status, held_from, held_reason = Message.Status.HELD, status, reason
    return Message(
        owner_id=client.owner_id,
        client=client,
        kind=kind,
        dedupe_key=dedupe_key,
        to=client.email,
        subject=" ".join(rendered.subject.split())[:300],
        body_text=rendered.text,
        body_html=rendered.html,
        status=status,
        send_after=send_after,
        held_reason=held_reason,
        held_from=held_from,
        **links,
    )


def _timeline_entry(message: Message) -> Activity:
    """Return the (unsaved) timeline entry of a new message."""
    return Activity(
        owner_id=message.owner_id,
        client_id=message.client_id,
        kind=Activity.Kind.MESSAGE,
        # Backfilled history (imports, demo data) is placed when it was sent.
        occurred_at=message.sent_at or message.created_at,
        summary=message.subject[:300],
        message_id=message.pk,
        project_id=message.project_id,
    )


def message_insert(message: Message) -> tuple[Message, bool]:
    """Insert ``message`` and its timeline entry unless its dedupe key exists; safe to run twice.

    Returns ``(message, created)``: the existing row when the key was taken. Race prevented:
    two writers inserting one dedupe key (a double click, a planner and a receiver); the unique
    (owner, dedupe_key) constraint fails the second insert, which then reads the first's row.
    """
    try:
        # The row and its timeline entry commit together (or, inside a caller's transaction,
        # roll back together to this savepoint).
        with transaction.atomic():
            message.save(force_insert=True)
            _timeline_entry(message).save(force_insert=True)
    except IntegrityError:
        existing = Message.objects.filter(
            owner_id=message.owner_id, dedupe_key=message.dedupe_key
        ).first()
        if existing is None:  # another constraint failed: not a duplicate
            raise
        return existing, False
    return message, True


def messages_insert(messages: list[Message]) -> list[Message]:
    """Insert messages, skipping existing dedupe keys; give each new one its timeline entry.

    Returns the rows this call created (loaded with the fields the timeline needs). Safe to run
    twice. Race prevented: two planners inserting the same keys at once. The unique (owner,
    dedupe_key) constraint keeps one row per key (PostgreSQL makes the second insert wait for
    the first transaction, then skip), and the unique (message) constraint on timeline entries
    keeps one entry per message.
    """
    if not messages:
        return []
    Message.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    keys_by_owner: dict[int, list[str]] = defaultdict(list)
    for message in messages:
        keys_by_owner[message.owner_id].append(message.dedupe_key)
    condition = Q()
    for owner_id, keys in keys_by_owner.items():
        condition |= Q(owner_id=owner_id, dedupe_key__in=keys)
    created = list(
        Message.objects.filter(condition)
        .filter(~Exists(Activity.objects.filter(message_id=OuterRef("pk"))))
        .only("pk", "owner_id", "client_id", "subject", "project_id", "created_at", "sent_at")
    )
    Activity.objects.bulk_create(
        [_timeline_entry(message) for message in created], ignore_conflicts=True, batch_size=500
    )
    return created
