"""Access helpers of the portal: the freelancer's links, 404 for anything not theirs."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import PortalLink


def access_portal_link(user: Any, link_id: int) -> PortalLink:
    """Return the user's portal link or raise Http404."""
    return get_object_or_404(
        PortalLink.objects.owned_by(user).select_related("project"), pk=link_id
    )
