"""What every planner shares: time-zone groups, dedupe-key lookups, last contacts, the batch.

A planner selects what is due per group of freelancers who share a time zone (``zone_groups``),
filters out what already has a message with an index-backed NOT EXISTS on the dedupe key
(``key_exists``), renders the messages of one run in a ``Batch`` and inserts them in bulk
through the outbox (``communications.outbox.messages_insert``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat

from clients.models import Client
from crm.models import Profile
from projects.models import Project

from .. import replies
from ..context import freelancer_context, message_context
from ..models import ROUTINE_KINDS, Message
from ..outbox import message_build, messages_insert
from ..rendering import Rendered, message_render, overrides_for, sources_for
from ..rules import DEFAULT_TIME_ZONE, Rules, client_overrides, rules_for_owners, send_time

PLAN_LIMIT = 1000


@dataclass(frozen=True)
class ZoneGroup:
    """Freelancers who share a time zone, and what day it is for them."""

    owner_filter: Q
    today: datetime.date


def zone_groups(
    now: datetime.datetime, owner_path: str = "owner", owner_ids: Iterable[int] | None = None
) -> list[ZoneGroup]:
    """Return one group per time zone in use (freelancers without a profile: the default).

    ``owner_ids`` narrows planning to some freelancers (demo data, tests); None means all.
    """
    zones = set(Profile.objects.values_list("time_zone", flat=True).distinct()) | {
        DEFAULT_TIME_ZONE
    }
    groups = []
    for zone in sorted(zones):
        try:
            today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        owner_filter = Q(**{f"{owner_path}__profile__time_zone": zone})
        if zone == DEFAULT_TIME_ZONE:
            owner_filter |= Q(**{f"{owner_path}__profile__isnull": True})
        if owner_ids is not None:
            owner_filter &= Q(**{f"{owner_path}__in": list(owner_ids)})
        groups.append(ZoneGroup(owner_filter, today))
    return groups


def prefix_q(q: Q, prefix: str) -> Q:
    """Return ``q`` with every lookup prefixed (``owner__...`` -> ``project__owner__...``)."""
    result = Q()
    result.connector, result.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            result.children.append(prefix_q(child, prefix))
        else:
            result.children.append((prefix + child[0], child[1]))
    return result


def as_text(expr: Any) -> Cast:
    """Return ``expr`` cast to text, for building a dedupe key in SQL."""
    return Cast(expr, output_field=CharField())


def key_exists(*parts: Any, owner: str = "owner_id") -> Exists:
    """Return EXISTS(a message of the outer row's owner whose dedupe key is ``parts`` joined).

    ``parts`` are strings and expressions; ``owner`` names the outer row's owner column.
    """
    key = Concat(
        *(Value(part) if isinstance(part, str) else part for part in parts),
        output_field=CharField(),
    )
    return Exists(Message.objects.filter(owner_id=OuterRef(owner), dedupe_key=key))


def client_of(project: Project) -> Client:
    """Return the project's client with its owner set from the project (loaded, no query)."""
    client = project.client
    client.owner = project.owner
    return client


def last_contacts(client_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """Return each client's last message moment (sent, or scheduled to go) in one query."""
    rows = (
        Message.objects.filter(
            client_id__in=list(client_ids),
            status__in=[
                Message.Status.SENT,
                Message.Status.SCHEDULED,
                Message.Status.SENDING,
                Message.Status.UNCERTAIN,
            ],
        )
        .values("client_id")
        .annotate(last=Max(Coalesce("sent_at", "send_after")))
    )
    return {row["client_id"]: row["last"] for row in rows if row["last"]}


class Batch:
    """Messages planned in one run: renders them, spaces them per client, inserts in bulk.

    Loads the rules, template overrides, client overrides and last contacts of everyone in the
    run up front (a fixed number of queries, however many messages).
    """

    def __init__(self, now: datetime.datetime, owner_ids: Iterable[int], client_ids: Iterable[int]):
        owner_ids, client_ids = set(owner_ids), set(client_ids)
        self.now = now
        self.rules = rules_for_owners(owner_ids)
        self.overrides = overrides_for(owner_ids)
        self.client_rules = client_overrides(client_ids)
        self.contacts = last_contacts(client_ids)
        self.replies = replies.latest_replies(client_ids)
        self.freelancers: dict[int, dict[str, Any]] = {}
        self.messages: list[Message] = []

    def rules_for(self, client: Client) -> Rules:
        """Return the rules for ``client``: the freelancer's, with the client's overrides."""
        return self.rules[client.owner_id].with_client(self.client_rules.get(client.pk))

    def freelancer(self, client: Client) -> dict[str, Any]:
        """Return the template context of ``client``'s freelancer (built once per run)."""
        if client.owner_id not in self.freelancers:
            self.freelancers[client.owner_id] = freelancer_context(client.owner)
        return self.freelancers[client.owner_id]

    def context(self, client: Client, today: datetime.date, **parts: Any) -> dict[str, Any]:
        """Return the template context of a message to ``client`` (``message_context``)."""
        return message_context(
            client=client, today=today, freelancer=self.freelancer(client), **parts
        )

    def render(self, client: Client, kind: str, context: dict[str, Any]) -> Rendered:
        """Render ``kind`` in ``client``'s tone, with the preloaded template overrides."""
        return message_render(
            owner_id=client.owner_id,
            kind=kind,
            language=client.tone.language,
            form=client.tone.form,
            context=context,
            sources=sources_for(client.owner_id, self.overrides),
        )

    def add(
        self,
        *,
        client: Client,
        kind: str,
        dedupe_key: str,
        context: dict[str, Any],
        automatic: bool,
        held_reason: str = "",
        cancelled: bool = False,
        **links: Any,
    ) -> Message:
        """Queue one message: scheduled at the next allowed moment if automatic, else a draft.

        ``client.owner`` must be loaded with its profile (the held reason's language).
        """
        status = Message.Status.DRAFT
        send_after = None
        if cancelled:
            status = Message.Status.CANCELLED
        elif automatic:
            send_after = send_time(
                rules=self.rules_for(client),
                now=self.now,
                last_contact_at=self.contacts.get(client.pk),
                urgent=kind not in ROUTINE_KINDS,
            )
            self.contacts[client.pk] = max(send_after, self.contacts.get(client.pk, send_after))
            status = Message.Status.SCHEDULED
        # Planned in the days after the client wrote: it waits for the freelancer (replies.py).
        reply = replies.hold_when_planned(
            self.replies.get(client.pk),
            kind=kind,
            days=self.rules_for(client).reply_pause_days,
            now=self.now,
        )
        if reply is not None and status in replies.WAITING:
            links["held_from"] = status
            status = Message.Status.HELD
            held_reason = replies.hold_reason(reply=reply, owner=client.owner)
            links["held_by_reply"] = reply
        message = message_build(
            client=client,
            kind=kind,
            dedupe_key=dedupe_key,
            rendered=self.render(client, kind, context),
            status=status,
            send_after=send_after,
            held_reason=held_reason,
            language=client.owner.profile_or_default.language,
            **links,
        )
        self.messages.append(message)
        return message

    def save(self) -> list[Message]:
        """Insert the queued messages; return those this run created (with their timeline)."""
        return messages_insert(self.messages)
