"""Account pages of our own: the security overview and the invitation link."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .invitations import invitation_find, invitation_hold
from .sessions import session_rows
from .verification import email_verified


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """Show the account's log-in protection: e-mail, password, two factors, sessions."""
    user = request.user
    factors = {a.type for a in Authenticator.objects.filter(user=user)}
    sessions = UserSession.objects.purge_and_list(user)
    return render(
        request,
        "accounts/security.html",
        {
            "email_verified": email_verified(user),
            "email_pending": EmailAddress.objects.filter(user=user, verified=False).exists(),
            "has_totp": Authenticator.Type.TOTP in factors,
            "has_webauthn": Authenticator.Type.WEBAUTHN in factors,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in factors,
            "sessions": session_rows(request, sessions),
        },
    )


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open sign-up for this browser if the invitation is valid, else say it is not."""
    found = invitation_find(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    invitation_hold(request, found)
    return redirect("account_signup")
