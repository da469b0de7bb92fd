"""Demo data for the portal (see crm.demo): a client link for every open project."""

from __future__ import annotations

from typing import Any

from crm.demo import DemoContext

from .models import PortalLink


def wipe(user: Any) -> None:
    """Delete the demo user's portal links."""
    PortalLink.objects.filter(owner=user).delete()


def seed(context: DemoContext) -> None:
    """Give every open project a portal link, so each project page has one to try."""
    links = [
        PortalLink(owner=context.user, project=project)
        for project in context.shared.get("projects", [])
        if project.is_open
    ]
    PortalLink.objects.bulk_create(links, batch_size=1000)
    context.count("portal links", len(links))
