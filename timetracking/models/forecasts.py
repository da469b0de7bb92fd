"""Milestone forecasts written by the hours booked (not by the freelancer)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel
from projects.models import Milestone

from .base import HOURS


class HoursForecast(OwnedModel):
    """A milestone forecast that the hours wrote (not the freelancer): the hours booked passed
    the estimate while the milestone is open. Its delay notice always waits for approval."""

    milestone = models.OneToOneField(
        Milestone, on_delete=models.CASCADE, related_name="hours_forecast"
    )
    forecast_on = models.DateField(_("forecast"))
    hours = models.DecimalField(_("hours booked"), **HOURS)
    estimated_hours = models.DecimalField(_("estimated hours"), **HOURS)

    class Meta:
        verbose_name = _("forecast from hours")
        verbose_name_plural = _("forecasts from hours")

    def __str__(self) -> str:
        return f"{self.milestone}: {self.forecast_on}"
