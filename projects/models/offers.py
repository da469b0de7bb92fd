"""Offers: one row per version of a numbered offer, frozen (snapshot) once sent."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel, OwnedQuerySet

from .lines import LineItem
from .project import MONEY, Project


class Offer(OwnedModel):
    """One version of an offer (scope document) for a project; frozen once sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="offers")
    number = models.CharField(_("number"), max_length=30)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    intro_text = models.TextField(_("opening text"), blank=True, max_length=10_000)
    closing_text = models.TextField(_("closing text"), blank=True, max_length=10_000)
    # Everything the document shows, frozen when the offer is sent.
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by_name = models.CharField(_("accepted by"), max_length=200, blank=True)
    accepted_ip = models.GenericIPAddressField(_("accepted from IP"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    total_net = models.DecimalField(_("net total"), **MONEY, default=Decimal(0))
    total_gross = models.DecimalField(_("gross total"), **MONEY, default=Decimal(0))

    class Meta:
        ordering = ("-issued_on", "-pk")
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner", "number", "version"], name="offer_number_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("projects:offer_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class OfferLineQuerySet(OwnedQuerySet):
    owner_path = "offer__owner"


class OfferLine(LineItem):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")

    objects = OfferLineQuerySet.as_manager()

    class Meta(LineItem.Meta):
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")

    def __str__(self) -> str:
        return self.description
