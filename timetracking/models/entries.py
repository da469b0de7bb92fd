"""The running timer and time entries (a start and an end, or a date and a duration)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel
from projects.models import ChangeRequest, Invoice, Milestone, Project, ScopeItem
from projects.models.project import MONEY

from .base import CENT, protect_invoiced


class Timer(OwnedModel):
    """The one running timer of a freelancer (a constraint allows no second one).

    Stored on the server, so it survives a reload, another device and a closed laptop; stopping
    it turns it into a time entry and deletes it.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("milestone"),
    )
    scope_item = models.ForeignKey(
        ScopeItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope item"),
    )
    description = models.CharField(_("what you are working on"), max_length=500, blank=True)
    is_billable = models.BooleanField(_("billable"), default=True)
    started_at = models.DateTimeField(_("started"))
    # Set when the freelancer answered "keep it running" to the long-run question.
    kept_at = models.DateTimeField(_("kept running"), null=True, blank=True)

    class Meta:
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner"], name="timer_one_per_freelancer"),
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.started_at:%Y-%m-%d %H:%M})"

    def elapsed(self, now: datetime.datetime) -> datetime.timedelta:
        return max(now - self.started_at, datetime.timedelta(0))

    def is_past_limit(self, now: datetime.datetime, limit_hours: int) -> bool:
        """Return whether the timer ran past the limit and nobody said to keep it."""
        return self.kept_at is None and self.elapsed(now) > datetime.timedelta(hours=limit_hours)


class TimeEntry(OwnedModel):
    """Time worked on a project: a start and an end, or a date and a duration."""

    project = models.ForeignKey(
        Project, on_delete=protect_invoiced, related_name="time_entries", verbose_name=_("project")
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("milestone"),
    )
    scope_item = models.ForeignKey(
        ScopeItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("scope item"),
    )
    # The day the work belongs to, in the freelancer's time zone when it was booked.
    work_on = models.DateField(_("date"))
    started_at = models.DateTimeField(_("start"), null=True, blank=True)
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    seconds = models.PositiveIntegerField(_("duration (seconds)"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_billable = models.BooleanField(_("billable"), default=True)
    hourly_rate = models.DecimalField(
        _("hourly rate (net)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    is_out_of_scope = models.BooleanField(
        _("outside the agreed scope"),
        default=False,
        help_text=_(
            "Flag work the written scope does not cover, to turn it into a change request."
        ),
    )
    change_request = models.ForeignKey(
        ChangeRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("change request"),
    )
    # Set while the entry is on an invoice (a draft reserves it); cleared when that invoice is
    # cancelled or the draft deleted.
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("invoice"),
    )
    billed_at = models.DateTimeField(_("billed"), null=True, blank=True)

    class Meta:
        ordering = ("-work_on", "-started_at", "-pk")
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(seconds__gt=0), name="time_entry_positive"),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True, ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gt=F("started_at")),
                name="time_entry_span",
            ),
        ]
        indexes: ClassVar = [
            # The week view and the export: one freelancer's entries by day.
            models.Index(fields=["owner", "work_on"], name="time_entry_owner_day"),
            # The project page and its budget figures.
            models.Index(fields=["project", "work_on"], name="time_entry_project_day"),
            # Invoicing: the unbilled time of a project.
            models.Index(
                fields=["project", "work_on"],
                name="time_entry_unbilled",
                condition=Q(invoice__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_on} {self.project}: {self.hours} h"

    def get_absolute_url(self) -> str:
        return reverse("timetracking:entry_edit", args=[self.pk])

    @property
    def hours(self) -> Decimal:
        """Return the duration in hours, to the hundredth."""
        return (Decimal(self.seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def is_locked(self) -> bool:
        """An entry on an invoice (a draft or an issued one) is not changed any more."""
        return self.invoice_id is not None

    @property
    def is_flagged(self) -> bool:
        """Out-of-scope work that is not yet a change request."""
        return self.change_request_id is None and (
            self.is_out_of_scope
            or (self.scope_item is not None and not self.scope_item.is_in_scope)
        )
