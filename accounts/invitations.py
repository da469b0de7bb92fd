"""Operator invitations: the way in while sign-up is closed (ACCOUNTS_SIGNUP_OPEN off)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .models import Invitation, token_digest

SESSION_KEY = "accounts_invitation"


def invitation_find(token: str) -> Invitation | None:
    """Return the usable invitation for a clear token, or None (used, expired or unknown)."""
    return Invitation.objects.usable().filter(token_hash=token_digest(token)).first()


def invitation_pending(request: HttpRequest) -> Invitation | None:
    """Return the usable invitation this browser opened, or None."""
    digest = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not digest:
        return None
    return Invitation.objects.usable().filter(token_hash=digest).first()


def invitation_hold(request: HttpRequest, invitation: Invitation) -> None:
    """Remember in the session that this browser may sign up with ``invitation``."""
    request.session[SESSION_KEY] = invitation.token_hash


def invitation_redeem(*, request: HttpRequest, user: Any) -> bool:
    """Mark the session's invitation used by ``user``; return whether one was redeemed.

    A conditional update: of two sign-ups racing on one invitation, only one marks it.
    """
    digest = request.session.pop(SESSION_KEY, None)
    if not digest:
        return False
    return bool(
        Invitation.objects.usable()
        .filter(token_hash=digest)
        .update(used_at=timezone.now(), used_by=user)
    )
