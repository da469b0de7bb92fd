"""The client's private window onto one project: revocable token links."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel, new_token
from projects.models import Project


class PortalLink(OwnedModel):
    """A private, revocable link that shows one project to its client without a login."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="portal_links")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")

    def __str__(self) -> str:
        return f"{self.project} ({self.token[:6]}…)"
