"""Demo data for the projects app: projects in every status with scope, milestones (some at
risk, some late), revisions (with goodwill), change requests, offers in every status (sent ones
frozen) and issued invoices (open, overdue, partly paid, paid, cancelled). Bulk inserts only.

``agreements`` makes the projects and what was agreed, ``offers`` and ``invoices`` the
documents. Every random choice comes from ``context.rng``, so a seed gives the same data.
"""

from __future__ import annotations

from typing import Any

from crm.demo import DemoContext

from .. import documents
from ..models import ChangeRequest, Invoice, NumberSequence, Offer, Payment, Project
from .agreements import agreements_create, projects_create
from .invoices import invoices_create
from .offers import acceptances_make_recent, offers_create


def wipe(user: Any) -> None:
    """Delete the demo user's projects, offers, invoices and number sequences."""
    Payment.objects.filter(invoice__owner=user).delete()
    # Cancellation invoices protect the invoices they cancel: delete them first.
    Invoice.objects.filter(owner=user, cancels__isnull=False).delete()
    Invoice.objects.filter(owner=user).delete()
    Offer.objects.filter(owner=user).delete()
    ChangeRequest.objects.filter(owner=user).delete()
    Project.objects.filter(owner=user).delete()
    NumberSequence.objects.filter(owner=user).delete()


def seed(context: DemoContext) -> None:
    """Create projects and everything around them for ``context.shared["clients"]``."""
    projects = projects_create(context)
    agreed = agreements_create(context, projects)
    seller = documents.seller_data(context.user)
    offers, offer_lines = offers_create(context, projects, agreed, seller)
    invoices = invoices_create(context, projects, offers, offer_lines, seller)
    acceptances_make_recent(context, offers)

    context.shared["projects"] = projects
    context.shared["milestones"] = agreed.milestones
    context.shared["offers"] = offers
    context.shared["invoices"] = invoices
    context.shared["change_requests"] = agreed.changes
    context.count("projects", len(projects))
    context.count("milestones", len(agreed.milestones))
    context.count("offers", len(offers))
    context.count("invoices", len(invoices))
