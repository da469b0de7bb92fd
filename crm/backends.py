"""Log in with e-mail address or username; the keys django-axes throttles by."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest


def find_user(identifier: str) -> Any:
    """Return the user whose username (exact) or e-mail (any case) is ``identifier``, or None."""
    user_model = get_user_model()
    identifier = identifier.strip()
    if not identifier:
        return None
    # One query; an exact username match wins over an e-mail match of another account.
    candidates = list(
        user_model.objects.filter(Q(username=identifier) | Q(email__iexact=identifier)).order_by(
            "pk"
        )[:2]
    )
    for user in candidates:
        if user.username == identifier:
            return user
    return candidates[0] if candidates else None


class EmailOrUsernameBackend(ModelBackend):
    """Authenticate against the username, or else the e-mail address (case-insensitive)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            # django-allauth passes an address as ``email=``; both spellings are looked up.
            username = kwargs.get(get_user_model().USERNAME_FIELD) or kwargs.get("email")
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so a missing user takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """Return the account key django-axes counts failures under.

    "alice", "alice@example.com" and "ALICE@example.com" name one account, so they share one
    counter; otherwise switching spellings would multiply the allowed guesses. An unknown
    identifier is counted as typed, lower-cased.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    credentials = credentials or {}
    raw = next(
        (credentials[key] for key in (field, "username", "email") if credentials.get(key)), None
    )
    if raw is None and request is not None:
        raw = getattr(request, "data", request.POST).get(field)
    identifier = str(raw or "").strip()
    user = find_user(identifier)
    return user.get_username().lower() if user is not None else identifier.lower()


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's IP address (login throttling, portal acceptances), or None.

    Behind a proxy (``BEHIND_PROXY``) REMOTE_ADDR is the proxy, so the right-most
    X-Forwarded-For entry, the one our proxy appended, is used; entries further left are
    client-supplied and could be forged.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-1]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
