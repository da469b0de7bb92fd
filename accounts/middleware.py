"""Session lifetime (idle timeout, absolute lifetime) and the operator's 2FA obligation."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

STARTED = "accounts_started_at"
SEEN = "accounts_seen_at"
# Writing the session on every request would cost a query each; a minute's precision is plenty.
SEEN_PRECISION = 60


class SessionLifetimeMiddleware:
    """Log out a session idle longer than ACCOUNTS_SESSION_IDLE_HOURS, or older than
    ACCOUNTS_SESSION_MAX_HOURS since its log-in, whatever its activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            seen = request.session.get(SEEN, started)
            idle = settings.ACCOUNTS_SESSION_IDLE_HOURS * 3600
            lifetime = settings.ACCOUNTS_SESSION_MAX_HOURS * 3600
            if now - seen > idle or now - started > lifetime:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
            elif now - seen > SEEN_PRECISION:
                request.session[SEEN] = now
                _session_seen(request)
        return self.get_response(request)


def _session_seen(request: HttpRequest) -> None:
    """Record the last use on the sessions list (at most once a minute per session)."""
    from allauth.usersessions.models import UserSession
    from django.utils import timezone

    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())


# Paths a user without a second factor may still reach while 2FA is mandatory.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/media/", "/i18n/", "/healthz", "/language")


class MandatoryTwoFactorMiddleware:
    """With ACCOUNTS_2FA_REQUIRED on, send every logged-in user without an authenticator app
    or security key to the two-factor page first (the account pages stay reachable)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.ACCOUNTS_2FA_REQUIRED and request.user.is_authenticated:
            from allauth.mfa.models import Authenticator

            path = request.path_info
            if not path.startswith(_OPEN_PREFIXES) and not path.startswith(
                reverse("crm:set_language")
            ):
                has_factor = Authenticator.objects.filter(
                    user=request.user,
                    type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
                ).exists()
                if not has_factor:
                    messages.warning(
                        request,
                        _("Please set up two-factor log-in before you continue: it is required."),
                    )
                    return redirect("mfa_index")
        return self.get_response(request)
