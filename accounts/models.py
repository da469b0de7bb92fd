"""Invitations: how the operator opens an account while sign-up is closed."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(token: str) -> str:
    """Return the stored form of an invitation token (only its SHA-256 is kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def usable(self, now: datetime.datetime | None = None) -> InvitationQuerySet:
        """Return the invitations that can still open an account."""
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A one-time sign-up link the operator hands out while ACCOUNTS_SIGNUP_OPEN is off."""

    email = models.EmailField(
        _("e-mail address"), blank=True, help_text=_("Optional: only for your records.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email or f"#{self.pk}"

    @classmethod
    def issue(cls, *, email: str = "", created_by: object = None) -> tuple[Invitation, str]:
        """Create an invitation; return it and the clear token (shown once, never stored)."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            email=email,
            token_hash=token_digest(token),
            created_by=created_by,
            expires_at=timezone.now() + datetime.timedelta(days=settings.ACCOUNTS_INVITATION_DAYS),
        )
        return invitation, token
