"""The freelancer's time settings, the rate agreed with a client, and per-project settings."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import OwnedModel
from projects.models import Project
from projects.models.project import MONEY


class Rounding(models.IntegerChoices):
    """How billed time is rounded, per entry, before it goes on an invoice."""

    EXACT = 0, _("Exact")
    SIX = 6, _("Up to 6 minutes (0.1 h)")
    FIFTEEN = 15, _("Up to 15 minutes")
    THIRTY = 30, _("Up to 30 minutes")


class Grouping(models.TextChoices):
    """How an invoice from time groups its lines."""

    MILESTONE = "milestone", _("Per milestone")
    SCOPE = "scope", _("Per scope item")
    DAY = "day", _("Per day")


class TimeSettings(OwnedModel):
    """The freelancer's defaults for time: hourly rate, rounding, the timer's limit."""

    hourly_rate = models.DecimalField(
        _("default hourly rate (net)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Used when neither the project nor the client has a rate."),
    )
    rounding = models.PositiveSmallIntegerField(
        _("rounding on invoices"),
        choices=Rounding.choices,
        default=Rounding.EXACT,
        help_text=_("Each entry is rounded up to this step before it is billed."),
    )
    grouping = models.CharField(
        _("invoice lines"), max_length=10, choices=Grouping.choices, default=Grouping.MILESTONE
    )
    timer_limit_hours = models.PositiveSmallIntegerField(
        _("ask about a timer running longer than (hours)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )

    class Meta:
        verbose_name = _("time settings")
        verbose_name_plural = _("time settings")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner"], name="time_settings_one_per_owner"),
        ]

    def __str__(self) -> str:
        return str(_("Time settings"))


class ClientRate(OwnedModel):
    """The hourly rate agreed with one client (used when the project has none)."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="time_rate", verbose_name=_("client")
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (net)"), **MONEY, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ("client__name",)
        verbose_name = _("client rate")
        verbose_name_plural = _("client rates")

    def __str__(self) -> str:
        return f"{self.client}: {self.hourly_rate}"


class ProjectTimeSettings(OwnedModel):
    """Per project: whether the client portal shows the hours."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="time_settings")
    hours_in_portal = models.BooleanField(
        _("show hours in the client portal"),
        default=False,
        help_text=_("The client sees the hours used of the budget and of their retainer."),
    )

    class Meta:
        verbose_name = _("project time settings")
        verbose_name_plural = _("project time settings")

    def __str__(self) -> str:
        return str(self.project)
