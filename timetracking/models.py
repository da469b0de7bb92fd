"""Time, budgets and recurring work: time entries, the running timer, expenses, retainers and
recurring invoices, and the billing periods the retainer planner has drafted.

Durations are stored in seconds of true elapsed time (UTC instants subtracted), so an entry
across midnight or across a daylight-saving change counts what the clock on the wall did not.
The hourly rate is copied onto each entry when it is made, so a later rate change never
reprices work already done.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import CASCADE, F, Q
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import OwnedModel
from projects.models import ChangeRequest, Invoice, Milestone, Project, ScopeItem
from projects.models.project import MONEY, VAT_RATE

from .storage import ReceiptStorage

CENT = Decimal("0.01")
HOURS = {"max_digits": 7, "decimal_places": 2}


def protect_invoiced(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """``on_delete``: refuse to delete a project whose time or expenses are on an invoice.

    A project with billed time is archived (closed or cancelled), never deleted: the invoice
    must keep pointing at the work it billed. Unbilled rows go with the project.
    """
    invoiced = [row for row in sub_objs if row.invoice_id is not None]
    if invoiced:
        raise ProtectedError(
            str(
                _(
                    "This project has time or expenses on invoices and cannot be deleted. "
                    "Close or cancel it instead."
                )
            ),
            invoiced,
        )
    CASCADE(collector, field, sub_objs, using)


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


def receipt_path(instance: Expense, filename: str) -> str:
    """Store receipts under an unguessable name (they are served only through a view)."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"receipts/{instance.owner_id}/{uuid.uuid4().hex}{suffix}"


class Expense(OwnedModel):
    """Money spent for a project (Auslage), with its receipt, billable at cost or with a markup."""

    project = models.ForeignKey(
        Project, on_delete=protect_invoiced, related_name="expenses", verbose_name=_("project")
    )
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount (gross, as on the receipt)"),
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    vat_rate = models.DecimalField(_("VAT on the receipt (%)"), **VAT_RATE, default=Decimal(19))
    is_billable = models.BooleanField(_("bill to the client"), default=True)
    markup_percent = models.DecimalField(
        _("markup (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("0 bills the expense at cost (its net amount)."),
    )
    receipt = models.FileField(
        _("receipt"),
        upload_to=receipt_path,
        storage=ReceiptStorage(),
        blank=True,
        max_length=200,
    )
    receipt_name = models.CharField(_("receipt file name"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenses",
        verbose_name=_("invoice"),
    )
    billed_at = models.DateTimeField(_("billed"), null=True, blank=True)

    class Meta:
        ordering = ("-spent_on", "-pk")
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        indexes: ClassVar = [
            models.Index(fields=["owner", "-spent_on"], name="expense_owner_day"),
            models.Index(
                fields=["project"], name="expense_unbilled", condition=Q(invoice__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.description}"

    @property
    def net_amount(self) -> Decimal:
        """Return the receipt's amount without its VAT."""
        return (self.amount * 100 / (100 + self.vat_rate)).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def vat_amount(self) -> Decimal:
        return self.amount - self.net_amount

    @property
    def billed_amount(self) -> Decimal:
        """Return what the client is charged (net, before the invoice's own VAT)."""
        return (self.net_amount * (100 + self.markup_percent) / 100).quantize(
            CENT, rounding=ROUND_HALF_UP
        )

    @property
    def is_locked(self) -> bool:
        return self.invoice_id is not None


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
