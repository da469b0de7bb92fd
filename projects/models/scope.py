"""What was agreed and when: scope items (in and out), milestones, revision rounds."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TimestampedModel

from .project import Project, ProjectChildQuerySet


class ScopeItem(TimestampedModel):
    """One deliverable in scope, or one thing explicitly out of scope."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scope_items")
    is_in_scope = models.BooleanField(_("in scope"), default=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5_000)
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True, max_length=5_000)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ("-is_in_scope", "position", "pk")
        verbose_name = _("scope item")
        verbose_name_plural = _("scope items")

    def __str__(self) -> str:
        return self.title


class MilestoneQuerySet(ProjectChildQuerySet):
    def open(self) -> MilestoneQuerySet:
        return self.filter(done_on__isnull=True)

    def slipped(self, today: datetime.date) -> MilestoneQuerySet:
        """Return open milestones whose forecast passed the due date, or that are overdue."""
        return self.open().filter(
            models.Q(forecast_on__gt=models.F("due_on")) | models.Q(due_on__lt=today)
        )


class Milestone(TimestampedModel):
    """A dated step of a project, with the freelancer's current forecast."""

    class State(models.TextChoices):
        DONE = "done", _("Done")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        LATE = "late", _("Late")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"))
    forecast_on = models.DateField(
        _("forecast"),
        null=True,
        blank=True,
        help_text=_("Your current estimate; leave empty while it matches the due date."),
    )
    delay_reason = models.CharField(_("reason for the delay"), max_length=500, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ("due_on", "position", "pk")
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes: ClassVar = [
            models.Index(
                fields=["due_on"], name="milestone_open_due", condition=models.Q(done_on=None)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def expected_on(self) -> datetime.date:
        """Return the date the milestone is now expected (forecast, else due)."""
        return self.forecast_on or self.due_on

    def state_on(self, today: datetime.date) -> str:
        """Return done / late (due passed, not done) / at risk (forecast after due) / on track."""
        if self.done_on:
            return self.State.DONE
        if self.due_on < today:
            return self.State.LATE
        if self.forecast_on and self.forecast_on > self.due_on:
            return self.State.AT_RISK
        return self.State.ON_TRACK


class RevisionRound(TimestampedModel):
    """One round of revisions the client asked for."""

    class Billing(models.TextChoices):
        INCLUDED = "included", _("Included")
        BILLABLE = "billable", _("Billable")
        GOODWILL = "goodwill", _("Goodwill extra")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="revisions")
    requested_on = models.DateField(_("date"))
    description = models.TextField(_("what was asked"), max_length=5_000)
    billing = models.CharField(
        _("billing"), max_length=10, choices=Billing.choices, default=Billing.INCLUDED
    )

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ("requested_on", "pk")
        verbose_name = _("revision round")
        verbose_name_plural = _("revision rounds")

    def __str__(self) -> str:
        return f"{self.requested_on}: {self.description[:40]}"
