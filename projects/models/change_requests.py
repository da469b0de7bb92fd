"""Change requests: what the client asked for beyond the agreed scope, and the decision on it."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel

from .project import MONEY, Project


class ChangeRequest(OwnedModel):
    """Something the client asked for beyond the agreed scope, and the decision on it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Source(models.TextChoices):
        FREELANCER = "freelancer", _("Logged by you")
        PORTAL = "portal", _("Asked in the client portal")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what the client asked for"), max_length=10_000)
    requested_on = models.DateField(_("requested on"))
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FREELANCER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    price = models.DecimalField(
        _("price (net)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    deadline_impact_days = models.IntegerField(_("deadline impact (days)"), default=0)
    alternative = models.TextField(_("alternative offered"), blank=True, max_length=5_000)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reply_subject = models.CharField(_("reply subject"), max_length=200, blank=True)
    reply_body = models.TextField(_("reply"), blank=True)

    class Meta:
        ordering = ("-requested_on", "-pk")
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return self.title
