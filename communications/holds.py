"""A paused relationship holds every automatic message to that client (see docs/communications.md).

When the freelancer sets a client's status to "paused" (after an incident, a dispute, a break
both agreed on), nothing the engine writes on its own goes to that client: status updates,
delay notices, payment reminders, keep-in-touch notes, wrap-ups (``AUTOMATIC_KINDS``). They are
still planned, so the freelancer sees what would have gone out, but as ``held`` with the reason
shown and ``held_by_pause`` set. Four places apply the one rule, ``pause_holds``:

* ``outbox.message_build``: every row a planner or service writes for a paused client is held;
* ``messages_hold_for_pause``: messages already waiting (draft, scheduled) when the pause
  begins, called when the status changes (``clients.events.client_status_changed``) and at the
  start of every planner run;
* ``services.message_approve``: approving a draft of a paused client holds it;
* ``messages_hold_paused_before_sending``: the dispatcher's last look after its claim.

Ending the pause releases nothing: the freelancer decides per held message (release or
discard, on the message page, the client page or the dashboard), and releasing is refused
while the client is still paused. Releasing restores what the message was (``held_from``): a
held draft becomes a draft again and still waits for approval.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from .models import AUTOMATIC_KINDS, Message

PAUSED_REASON = _(
    "The client is paused: automatic messages wait until you release or discard each one."
)
STILL_PAUSED = _("The client is still paused. End the pause first, or discard the message.")
WAITING = (Message.Status.DRAFT, Message.Status.SCHEDULED)
CARD_SIZE = 8


def pause_holds(client: Client, kind: str) -> bool:
    """Return whether a message of ``kind`` to ``client`` must be held (the one rule)."""
    return client.status == Client.Status.PAUSED and kind in AUTOMATIC_KINDS


def paused_reason(language: str | None = None) -> str:
    """Return the held reason in the freelancer's language (or the active one)."""
    if language is None:
        return str(PAUSED_REASON)
    with translation.override(language):
        return str(PAUSED_REASON)


def messages_hold_for_pause(
    *, client_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Hold the waiting automatic messages of paused clients; return how many.

    ``client_ids`` narrows it to some clients (a status change); None sweeps every paused
    client (the planner run). Safe to run twice: a held message is no longer waiting.
    """
    now = now or timezone.now()
    waiting = Message.objects.filter(
        client__status=Client.Status.PAUSED, kind__in=AUTOMATIC_KINDS, status__in=WAITING
    )
    if client_ids is not None:
        waiting = waiting.filter(client_id__in=list(client_ids))
    held = 0
    languages = waiting.values_list("owner_id", "owner__profile__language").distinct()
    for owner_id, language in languages:
        held += waiting.filter(owner_id=owner_id).update_of_owner(
            owner_id,
            status=Message.Status.HELD,
            held_from=F("status"),
            held_by_pause=True,
            held_reason=paused_reason(language or "de"),
            updated_at=now,
        )
    return held


def messages_hold_paused_before_sending(
    messages: list[Message], *, now: datetime.datetime
) -> set[int]:
    """Hold claimed automatic messages whose client is paused; return the held ids.

    Called by the dispatcher after its claim (rows are ``sending``, clients loaded). Race
    prevented: a client paused between the planner's write and the send. The conditional UPDATE
    (still ``sending``, still this claim) leaves alone a row the sweeper took back meanwhile.
    """
    held: set[int] = set()
    for message in messages:
        if not pause_holds(message.client, message.kind):
            continue
        updated = message.hold_claimed(
            reason=paused_reason(message.owner.profile_or_default.language),
            now=now,
            held_by_pause=True,
        )
        if updated:
            held.add(message.pk)
    return held


# --- What the pages show ----------------------------------------------------------------------


def messages_held_for_pause(*, client: Client) -> list[Message]:
    """Return the client's messages held by a pause, oldest first (the client page)."""
    return list(
        Message.objects.filter(client=client, status=Message.Status.HELD, held_by_pause=True)
        .select_related("client", "project")
        .defer("body_text", "body_html")
        .order_by("created_at", "pk")
    )


def client_holds_section(client: Client) -> dict[str, Any]:
    """Return what the client page's pause section shows (``clients.hooks``; one query)."""
    return {
        "is_paused": client.status == Client.Status.PAUSED,
        "held": messages_held_for_pause(client=client),
        "next": client.get_absolute_url(),
    }


def clients_paused(*, user: Any) -> list[dict[str, Any]]:
    """Return paused clients and clients with messages still held by an ended pause (1 query).

    For the dashboard: each row has the client's id, name, whether it is still paused and how
    many messages wait for the freelancer's decision. The held messages are found through the
    small partial index ``message_held_by_pause``, so the query does not grow with the outbox.
    """
    held = Message.objects.filter(
        client_id=OuterRef("pk"), status=Message.Status.HELD, held_by_pause=True
    )
    count = held.values("client_id").annotate(count=Count("pk")).values("count")
    rows = (
        Client.objects.owned_by(user)
        .filter(Q(status=Client.Status.PAUSED) | Exists(held))
        .annotate(held=Coalesce(Subquery(count), 0))
        .order_by("-held", "name")
        .values("pk", "name", "status", "held")[:CARD_SIZE]
    )
    return [
        {
            "client_id": row["pk"],
            "client_name": row["name"],
            "is_paused": row["status"] == Client.Status.PAUSED,
            "held": row["held"],
        }
        for row in rows
    ]
