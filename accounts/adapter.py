"""django-allauth adapters: who may sign up, how account e-mail leaves, how users are named."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse

from crm.mail import OutgoingMail
from crm.tasks import mail_queue

from .invitations import invitation_pending

logger = logging.getLogger(__name__)

FIRST_LOGIN_KEY = "first_login"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Open while ACCOUNTS_SIGNUP_OPEN is on, else only with a valid invitation."""
        return settings.ACCOUNTS_SIGNUP_OPEN or invitation_pending(request) is not None

    # Links that carry a secret are built on SITE_URL, never on the request's Host header (a
    # forged Host would otherwise send the victim's token to the attacker's site).

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        path = reverse("account_confirm_email", args=[emailconfirmation.key])
        return settings.SITE_URL.rstrip("/") + path

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL.rstrip("/") + path.replace("UID-KEY", quote(key))

    def login(self, request: HttpRequest, user: Any) -> None:
        # The first log-in of a freelancer who signed up (never logged in, no business address
        # yet) opens the first-run setup; every later one the dashboard.
        profile = getattr(user, "profile", None)
        first = user.last_login is None and not (profile and profile.street)
        super().login(request, user)
        if first:
            request.session[FIRST_LOGIN_KEY] = True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if request.session.pop(FIRST_LOGIN_KEY, False):
            return resolve_url(settings.SIGNUP_REDIRECT_URL)
        return super().get_login_redirect_url(request)

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        # The e-mail address is the username, as it always was (at most 150 characters).
        user.username = (user.email or "").strip()[:150]

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the account e-mail now; ``crm.tasks.mail_queue`` sends it after the commit.

        The request never talks to the mail server: a slow or dead SMTP relay cannot hold a
        log-in, sign-up or reset page, and a rolled-back request sends nothing.
        """
        message = self.render_mail(
            template_prefix,
            email,
            {"email": email, "site_url": settings.SITE_URL, **context},
        )
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        mail_queue(
            OutgoingMail(subject=message.subject, text=message.body, html=html, to=message.to)
        )


class MFAAdapter(DefaultMFAAdapter):
    """Store TOTP secrets and recovery-code seeds encrypted (Fernet, keyed from SECRET_KEY).

    A copy of the database alone (a backup, a leaked dump) then yields no second factor.
    Rotating SECRET_KEY makes the stored factors unreadable: users set them up again (the
    old key can be listed in SECRET_KEY_FALLBACKS meanwhile).
    """

    PREFIX = "fernet:"

    def encrypt(self, text: str) -> str:
        return self.PREFIX + secret_box().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(self.PREFIX):
            return encrypted_text  # stored before encryption was introduced
        token = encrypted_text.removeprefix(self.PREFIX).encode()
        return secret_box().decrypt(token).decode()


def secret_box() -> Any:
    """Return a MultiFernet for SECRET_KEY (first) and SECRET_KEY_FALLBACKS."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"mfa-secrets:{key}".encode()).digest()))
            for key in keys
        ]
    )
