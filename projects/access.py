"""Access helpers of the projects app: another freelancer's id looks missing (404)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import ChangeRequest, Invoice, Milestone, Offer, Project, ScopeItem


def access_project(user: Any, project_id: int) -> Project:
    """Return the user's project or raise Http404."""
    return get_object_or_404(Project.objects.owned_by(user).select_related("client"), pk=project_id)


def access_scope_item(user: Any, item_id: int) -> ScopeItem:
    """Return the user's scope item or raise Http404."""
    return get_object_or_404(ScopeItem.objects.owned_by(user).select_related("project"), pk=item_id)


def access_milestone(user: Any, milestone_id: int) -> Milestone:
    """Return the user's milestone or raise Http404."""
    return get_object_or_404(
        Milestone.objects.owned_by(user).select_related("project"), pk=milestone_id
    )


def access_change_request(user: Any, change_request_id: int) -> ChangeRequest:
    """Return the user's change request or raise Http404."""
    return get_object_or_404(
        ChangeRequest.objects.owned_by(user).select_related("project__client"),
        pk=change_request_id,
    )


def access_offer(user: Any, offer_id: int) -> Offer:
    """Return the user's offer or raise Http404."""
    return get_object_or_404(
        Offer.objects.owned_by(user).select_related("project__client"), pk=offer_id
    )


def access_invoice(user: Any, invoice_id: int) -> Invoice:
    """Return the user's invoice or raise Http404."""
    return get_object_or_404(
        Invoice.objects.owned_by(user).select_related("project", "client", "cancels"),
        pk=invoice_id,
    )
