"""Reads of the projects app that other pages show."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import Invoice, Offer


def client_sections_data(client: Any) -> dict[str, Any]:
    """Return the client's projects (newest first; no query when prefetched), open offers and
    unpaid invoices."""
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
