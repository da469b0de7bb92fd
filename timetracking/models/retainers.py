"""Retainers and recurring invoices, and the billing periods the retainer planner has drafted."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel
from projects.models import Invoice, Project
from projects.models.project import MONEY

from .base import HOURS


class Retainer(OwnedModel):
    """A monthly retainer (a fee with hours included, overage billed by the hour) or a plain
    recurring invoice (a fixed amount each month, quarter or year)."""

    class Kind(models.TextChoices):
        RETAINER = "retainer", _("Retainer (hours included)")
        RECURRING = "recurring", _("Recurring invoice")

    class Interval(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RETAINER)
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="retainers",
        verbose_name=_("project"),
        help_text=_("The invoices are written for this project."),
    )
    covers_client = models.BooleanField(
        _("count hours on all of the client's projects"),
        default=False,
        help_text=_("Otherwise only time on this project counts against the included hours."),
    )
    title = models.CharField(_("line text on the invoice"), max_length=200)
    interval = models.CharField(
        _("interval"), max_length=10, choices=Interval.choices, default=Interval.MONTHLY
    )
    amount = models.DecimalField(
        _("amount per period (net)"), **MONEY, validators=[MinValueValidator(Decimal(0))]
    )
    included_hours = models.DecimalField(
        _("hours included per month"),
        **HOURS,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    overage_rate = models.DecimalField(
        _("hourly rate for extra hours (net)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Empty: the project's rate, else the client's, else yours."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), default=30, validators=[MaxValueValidator(730)]
    )
    invoice_day = models.PositiveSmallIntegerField(
        _("invoice day of the month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The planner drafts the invoice on this day."),
    )
    # The next period to bill and the day its invoice is due to be drafted (the planner's
    # index); both empty once the agreement has ended and its last period is billed.
    next_period_on = models.DateField(_("next period"), null=True, blank=True, editable=False)
    next_draft_on = models.DateField(
        _("next invoice drafted on"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ("starts_on", "pk")
        verbose_name = _("retainer or recurring invoice")
        verbose_name_plural = _("retainers and recurring invoices")
        indexes: ClassVar = [
            models.Index(
                fields=["next_draft_on"],
                name="retainer_due",
                condition=Q(next_draft_on__isnull=False),
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="retainer_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="retainer") | Q(interval="monthly"),
                name="retainer_is_monthly",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("timetracking:retainer_detail", args=[self.pk])

    @property
    def is_retainer(self) -> bool:
        return self.kind == self.Kind.RETAINER


class BillingPeriod(OwnedModel):
    """One period of a retainer that the planner has dealt with (unique: never twice)."""

    retainer = models.ForeignKey(Retainer, on_delete=models.CASCADE, related_name="periods")
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="billing_periods",
        verbose_name=_("invoice"),
    )
    fee = models.DecimalField(_("fee"), **MONEY, default=Decimal(0))
    included_hours = models.DecimalField(_("hours included"), **HOURS, default=Decimal(0))
    hours = models.DecimalField(_("hours worked"), **HOURS, default=Decimal(0))
    overage_hours = models.DecimalField(_("extra hours"), **HOURS, default=Decimal(0))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("-starts_on", "-pk")
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["retainer", "starts_on"], name="billing_period_once_per_retainer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.retainer}: {self.starts_on} – {self.ends_on}"
