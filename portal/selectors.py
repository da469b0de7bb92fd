"""Reads of the portal: what the client's page shows, and the freelancer's list of links.

Every read starts from the link's project and filters by it: nothing else of the freelancer's
data is reachable through a token.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Count, Q, Value, When

from projects.models import Invoice, Offer, Project, RevisionRound
from projects.selectors.scope import scope_split

from .models import PortalLink


def current_offer(project: Project) -> Offer | None:
    """Return the offer the client should see: an open (sent) one first, else the newest sent."""
    is_open = Case(When(status=Offer.Status.SENT, then=Value(1)), default=Value(0))
    return (
        Offer.objects.filter(project=project)
        .exclude(status=Offer.Status.DRAFT)
        .annotate(is_open=is_open)
        .order_by("-is_open", "-issued_on", "-version", "-pk")
        .first()
    )


def issued_invoices(project: Project) -> Any:
    """Return the project's issued invoices to its client (never drafts), newest first."""
    return (
        Invoice.objects.filter(project=project, client_id=project.client_id)
        .exclude(status=Invoice.Status.DRAFT)
        .exclude(number="")
        .order_by("-issued_on", "-pk")
    )


def offer_state(offer: Offer | None, today: datetime.date) -> str:
    """Return how the page presents the offer: open, expired, or its status ("" without one)."""
    if offer is None:
        return ""
    if offer.status == Offer.Status.SENT:
        return "expired" if offer.valid_until < today else "open"
    return offer.status


def portal_page_data(link: PortalLink, today: datetime.date) -> dict[str, Any]:
    """Return what the client's page shows, in a constant number of queries."""
    project = (
        Project.objects.annotate(
            revisions_used=Count(
                "revisions", filter=Q(revisions__billing=RevisionRound.Billing.INCLUDED)
            )
        )
        .select_related("client")
        .get(pk=link.project_id)
    )
    milestones = list(project.milestones.all())
    for milestone in milestones:
        milestone.state = milestone.state_on(today)
    offer = current_offer(project)
    return {
        "link": link,
        "project": project,
        "client": project.client,
        "tone": project.client.tone,
        "freelancer": link.owner.profile_or_default,
        "milestones": milestones,
        **scope_split(project.scope_items.all()),
        "offer": offer,
        "offer_state": offer_state(offer, today),
        "invoices": list(issued_invoices(project)),
        "today": today,
    }


def portal_links(*, user: Any, project: Project, today: datetime.date) -> list[PortalLink]:
    """Return the project's links, newest first, each marked ``is_live`` (not revoked, not
    expired)."""
    links = list(PortalLink.objects.owned_by(user).filter(project=project).order_by("-pk"))
    for link in links:
        link.is_live = link.revoked_at is None and (not link.expires_on or link.expires_on >= today)
    return links
