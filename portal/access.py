"""Access to the portal: the client's token, and the freelancer's own links (404 otherwise)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import PortalLink

# URL-safe base64 as secrets.token_urlsafe makes it; anything else (NUL bytes, spaces) is not a
# token and never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def portal_link_for_token(token: str, *, today: datetime.date) -> PortalLink:
    """Return the live link with exactly this token, or raise Http404 (wrong, revoked, expired)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise Http404
    link = (
        PortalLink.objects.select_related("project__client", "owner__profile")
        .filter(token=token, revoked_at__isnull=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .first()
    )
    if link is None:
        raise Http404
    portal_link_check_expiry(link, today=today)
    return link


class PortalLinkEnded(Http404):
    """A real link whose project was cancelled, or ended longer ago than the setting allows."""


def portal_link_check_expiry(link: PortalLink, *, today: datetime.date) -> None:
    """Raise PortalLinkEnded when the project is cancelled, or finished more than
    PORTAL_LINK_DAYS_AFTER_END days ago (links expire by default, not only when revoked)."""
    project = link.project
    if project.status == project.Status.CANCELLED:
        raise PortalLinkEnded
    ended = project.ended_on
    days = datetime.timedelta(days=settings.PORTAL_LINK_DAYS_AFTER_END)
    if ended and project.status == project.Status.CLOSED and today > ended + days:
        raise PortalLinkEnded


def access_portal_link(user: Any, link_id: int) -> PortalLink:
    """Return the user's portal link or raise Http404."""
    return get_object_or_404(
        PortalLink.objects.owned_by(user).select_related("project"), pk=link_id
    )
