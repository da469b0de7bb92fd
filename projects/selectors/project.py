"""Reads about projects: form defaults, pricing lines, the list, the project page, the client's
sections."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from clients.models import Client
from clients.services import notes_prominent_for

from ..models import Invoice, Milestone, Offer, Project, RevisionRound
from .scope import revisions_used, scope_split


def project_defaults(*, user: Any, client: Client | None = None) -> dict[str, Any]:
    """Return initial form values from the profile and the client (VAT, terms, cadence)."""
    profile = user.profile_or_default
    initial: dict[str, Any] = {
        "currency": profile.default_currency,
        "is_vat_exempt": profile.is_small_business,
        "vat_rate": Decimal(0) if profile.is_small_business else Decimal("19.00"),
    }
    if client is not None:
        initial.update(
            client=client,
            payment_terms_days=client.payment_terms_days,
            update_cadence=client.update_cadence,
        )
    return initial


def project_pricing_lines(project: Project) -> list[dict[str, Any]]:
    """Return the project's agreed price as line values (hours x rate, or one flat line)."""
    german = project.client.language == "de"
    vat = Decimal(0) if project.is_vat_exempt else project.vat_rate
    if project.pricing == Project.Pricing.HOURLY and project.hourly_rate is not None:
        return [
            {
                "description": project.title[:500],
                "quantity": project.estimated_hours or Decimal(1),
                "unit": "Std." if german else "hours",
                "unit_price": project.hourly_rate,
                "vat_rate": vat,
            }
        ]
    if project.fixed_price is not None:
        return [
            {
                "description": project.title[:500],
                "quantity": Decimal(1),
                "unit": "pauschal" if german else "flat",
                "unit_price": project.fixed_price,
                "vat_rate": vat,
            }
        ]
    return []


def project_health(milestones: list[Milestone], today: datetime.date) -> str:
    """Return the worst state of a project's open milestones (late > at risk > on track)."""
    states = {milestone.state_on(today) for milestone in milestones}
    for state in (Milestone.State.LATE, Milestone.State.AT_RISK, Milestone.State.ON_TRACK):
        if state in states:
            return state
    return Milestone.State.DONE if states else ""


def projects_for_list(*, user: Any, status: str = "") -> QuerySet[Project]:
    """Return the user's projects, newest first, with client and milestones (for the list)."""
    projects = (
        Project.objects.owned_by(user)
        .select_related("client")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")))
        .order_by("-created_at")
    )
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    return projects


def project_rows(projects: list[Project], today: datetime.date) -> list[dict[str, Any]]:
    """Return each project with its health and next open milestone (milestones prefetched)."""
    rows = []
    for project in projects:
        milestones = list(project.milestones.all())
        next_open = next((m for m in milestones if not m.done_on), None)
        rows.append(
            {
                "project": project,
                "health": project_health(milestones, today),
                "next_milestone": next_open,
                "next_state": next_open.state_on(today) if next_open else "",
            }
        )
    return rows


def project_page(*, project: Project, today: datetime.date) -> dict[str, Any]:
    """Return what the project page shows, from one query per kind of row (the milestones
    stay on the project, for the parts of the page that other apps render)."""
    prefetch_related_objects([project], "milestones")
    milestones = list(project.milestones.all())
    revisions = list(project.revisions.all())
    used = revisions_used(revisions)
    offers = list(project.offers.order_by("-version"))
    return {
        "project": project,
        "client": project.client,
        "prominent_notes": notes_prominent_for(project.client),
        **scope_split(project.scope_items.all()),
        "milestones": [(m, m.state_on(today)) for m in milestones],
        "health": project_health(milestones, today),
        "revisions": revisions,
        "revisions_used": used,
        "revisions_extra": len(revisions) - used,
        # The next round counts as included while agreed rounds are left, else as goodwill.
        "revision_billing": (
            RevisionRound.Billing.INCLUDED
            if used < project.revisions_agreed
            else RevisionRound.Billing.GOODWILL
        ),
        "change_requests": list(project.change_requests.all()),
        "offers": offers,
        "accepted_offers": [o for o in offers if o.status == Offer.Status.ACCEPTED],
        "invoices": list(project.invoices.order_by("-pk")),
        "next_statuses": [
            (value, Project.Status(value).label) for value in project.next_statuses()
        ],
    }


def client_sections_data(client: Any) -> dict[str, Any]:
    """Return the client's projects (newest first; no query when prefetched), open offers and
    unpaid invoices (for the client page, through ``clients.hooks``)."""
    return {
        "projects": list(client.projects.all()),
        "offers": list(
            Offer.objects.filter(
                project__client=client, status__in=[Offer.Status.DRAFT, Offer.Status.SENT]
            ).select_related("project")
        ),
        "invoices": list(Invoice.objects.filter(client=client).unpaid().order_by("due_on", "pk")),
        "today": timezone.localdate(),
    }
