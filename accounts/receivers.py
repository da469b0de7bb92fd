"""Signal receivers: wrong second factors feed django-axes; security changes end other sessions."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_login_failed


def second_factor_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Count a wrong TOTP / recovery code as a failed log-in for this account and address."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def other_sessions_end(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """End every session of ``user`` but this one (password or second-factor change).

    allauth sends some of these signals after the commit, outside the request's context, so
    the current session is taken from the request the signal carries.
    """
    from allauth.usersessions.models import UserSession

    user = user or getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return
    session = getattr(request, "session", None)
    current = session.session_key if session is not None else None
    for other in UserSession.objects.filter(user_id=user.pk).exclude(session_key=current or ""):
        other.end()


def invitation_redeemed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .invitations import invitation_redeem

    invitation_redeem(request=request, user=user)


def session_started(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Start the clocks of the idle timeout and the absolute lifetime at log-in."""
    import time

    from .middleware import SEEN, STARTED

    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[STARTED] = now
        request.session[SEEN] = now


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(session_started, dispatch_uid="accounts_session_started")
    mfa_signals.authentication_failed.connect(second_factor_failed, dispatch_uid="accounts_2fa")
    for signal in (
        mfa_signals.authenticator_added,
        mfa_signals.authenticator_removed,
        mfa_signals.authenticator_reset,
        account_signals.password_changed,
        account_signals.password_set,
        account_signals.password_reset,
    ):
        signal.connect(other_sessions_end, dispatch_uid=f"accounts_end_sessions_{id(signal)}")
    account_signals.user_signed_up.connect(invitation_redeemed, dispatch_uid="accounts_invite")
