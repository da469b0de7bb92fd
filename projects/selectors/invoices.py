"""Reads about invoices."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ..models import Invoice


def invoices_for_list(*, user: Any, status: str = "") -> QuerySet[Invoice]:
    """Return the user's invoices, newest first, with client and project (for the list)."""
    invoices = (
        Invoice.objects.owned_by(user)
        .select_related("client", "project")
        .order_by("-issued_on", "-pk")
    )
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    return invoices


def invoice_cancelled_by(invoice: Invoice) -> Invoice | None:
    """Return the cancellation invoice of ``invoice``, if it was cancelled."""
    return Invoice.objects.filter(cancels=invoice).first()
