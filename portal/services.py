"""Services of the portal: links (create, revoke) and what the client does through a link.

The client's acceptance goes through ``projects.services.offers.offer_accept``, the one
acceptance the freelancer's button uses too, so both end in the same state (offer accepted,
project active, audit, timeline, ``offer_answered``). What is written to the freelancer's
timeline is in the freelancer's language, whatever language the client's page speaks.

The freelancer hears of an acceptance or a change request by e-mail, sent after the commit by a
Celery task (``portal.tasks``), never inside the client's request. See ``notify_on_commit``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from crm.audit import audit_record
from crm.models import AuditEntry
from projects.models import ChangeRequest, Offer, Project
from projects.services.change_requests import change_request_log
from projects.services.offers import OfferNotAcceptable, offer_accept

from . import tasks
from .models import PortalLink
from .notifications import owner_language

logger = logging.getLogger(__name__)

PORTAL_ACTOR = "client portal"
ACCEPTED = "accepted"


def portal_link_create(
    *, project: Project, actor: Any, expires_on: datetime.date | None = None
) -> PortalLink:
    """Create a new private link for the project. Not idempotent: each call makes a new link."""
    link = PortalLink.objects.create(owner=project.owner, project=project, expires_on=expires_on)
    audit_record(
        owner=project.owner,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=project,
        changes={"portal_link": [None, f"created ({link.token[:6]}…)"]},
    )
    return link


def portal_link_revoke(*, link: PortalLink, actor: Any) -> PortalLink:
    """Revoke the link at once; safe to run twice (a revoked link stays revoked as it was)."""
    updated = PortalLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
    link.refresh_from_db()
    if updated:
        audit_record(
            owner=link.owner,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=link.project,
            changes={"portal_link": [f"{link.token[:6]}…", "revoked"]},
        )
    return link


@dataclass
class AcceptResult:
    """``outcome``: ACCEPTED, or the OfferNotAcceptable reason the page words for the client."""

    outcome: str
    offer: Offer | None


def portal_offer_accept(
    *,
    link: PortalLink,
    offer_id: int,
    version: int,
    name: str,
    ip: str | None,
    now: datetime.datetime,
) -> AcceptResult:
    """Accept the project's offer for the client, through the one acceptance service.

    Records who (the typed name), when, from where (IP) and which version; the freelancer is
    mailed after commit. Safe to run twice: the second call answers ALREADY_ACCEPTED and
    changes nothing. An offer of another project answers NOT_OPEN, like a draft.
    """
    offer = Offer.objects.filter(project_id=link.project_id, pk=offer_id).first()
    if offer is None:
        return AcceptResult(OfferNotAcceptable.NOT_OPEN, None)
    try:
        with transaction.atomic(), translation.override(owner_language(link.owner)):
            accepted = offer_accept(
                offer=offer,
                actor=PORTAL_ACTOR,
                version=version,
                accepted_by_name=name,
                accepted_ip=ip,
                now=now,
            )
            notify_on_commit(tasks.notify_offer_accepted, accepted.pk)
    except OfferNotAcceptable as refusal:
        return AcceptResult(refusal.reason, refusal.offer)
    return AcceptResult(ACCEPTED, accepted)


def portal_change_request_create(
    *, link: PortalLink, title: str, description: str, now: datetime.datetime
) -> ChangeRequest:
    """Turn the client's wish into an open change request; the freelancer is mailed after
    commit. Not idempotent."""
    with transaction.atomic(), translation.override(owner_language(link.owner)):
        change = change_request_log(
            change_request=ChangeRequest(
                project=link.project,
                title=title,
                description=description,
                requested_on=timezone.localdate(now),
                source=ChangeRequest.Source.PORTAL,
            ),
            actor=PORTAL_ACTOR,
        )
        notify_on_commit(tasks.notify_change_requested, change.pk)
    return change


def notify_on_commit(task: Any, object_id: int) -> None:
    """Queue the notification task once the transaction commits; a dead broker only loses it.

    Why a Celery task and not the outbox: the outbox holds letters to clients, in the client's
    tone, planned and approved per client; a note to the freelancer about their own portal is
    none of that. The task sends it through the one mail helper (``crm.mail``), outside the
    client's request. When Redis is down the enqueue fails fast (``retry=False``, the broker's
    one-second connect timeout), is logged and skipped: the client's page still answers, and
    the acceptance or change request stands on the dashboard and the client's timeline. The
    mail is not retried later, which is the one thing the outbox would add. Not Celery's
    ``delay_on_commit``: it publishes with the broker retry policy (seconds against a dead
    Redis) and its error escapes the commit hook, so the client would get an error page for an
    acceptance that was saved.
    """

    def enqueue() -> None:
        try:
            task.apply_async(args=[object_id], retry=False)
        except Exception:  # kombu raises several types for a dead broker
            logger.warning("Could not queue %s for %s", task.name, object_id, exc_info=True)

    transaction.on_commit(enqueue)
