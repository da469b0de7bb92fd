"""The project itself: a piece of work for one client, its status and what was agreed about it."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Cadence, Client
from crm.models import OwnedModel, OwnedQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
VAT_RATE = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
}
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ProjectQuerySet(OwnedQuerySet):
    def open(self) -> ProjectQuerySet:
        """Return projects not finished: lead, offered, active or on hold (see OPEN_STATUSES)."""
        return self.filter(status__in=OPEN_STATUSES)

    def underway(self) -> ProjectQuerySet:
        """Return projects whose work runs: active or on hold (see UNDERWAY_STATUSES)."""
        return self.filter(status__in=UNDERWAY_STATUSES)


class Project(OwnedModel):
    """A piece of work for one client, with what was agreed about it."""

    class Status(models.TextChoices):
        LEAD = "lead", _("Lead")
        OFFERED = "offered", _("Offered")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Pricing(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        HOURLY = "hourly", _("Hourly rate")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="projects", verbose_name=_("client")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=20_000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LEAD
    )
    start_on = models.DateField(_("start"), null=True, blank=True)
    deadline_on = models.DateField(_("deadline"), null=True, blank=True)
    pricing = models.CharField(
        _("pricing"), max_length=10, choices=Pricing.choices, default=Pricing.FIXED
    )
    fixed_price = models.DecimalField(
        _("fixed price (net)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (net)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rate = models.DecimalField(_("VAT rate (%)"), **VAT_RATE, default=Decimal("19.00"))
    is_vat_exempt = models.BooleanField(_("small-business exemption (§ 19 UStG)"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    update_cadence = models.CharField(
        _("status-update cadence"), max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    update_weekday = models.PositiveSmallIntegerField(
        _("status-update weekday"), choices=WEEKDAYS, default=4
    )
    revisions_agreed = models.PositiveSmallIntegerField(_("revision rounds agreed"), default=2)
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes: ClassVar = [
            models.Index(fields=["owner", "status"], name="project_owner_status"),
            models.Index(fields=["client", "status"], name="project_client_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_underway(self) -> bool:
        return self.status in UNDERWAY_STATUSES

    def next_statuses(self) -> list[str]:
        """Return the statuses this project may move to, in the order of ``Status``."""
        allowed = STATUS_TRANSITIONS[self.status]
        return [value for value in self.Status.values if value in allowed]


Status = Project.Status

# The one definition of each (Project.objects.open() / .underway()): not finished, and work running.
OPEN_STATUSES = frozenset({Status.LEAD, Status.OFFERED, Status.ACTIVE, Status.ON_HOLD})
UNDERWAY_STATUSES = frozenset({Status.ACTIVE, Status.ON_HOLD})

# Which status may follow which (``project_set_status`` enforces it). Closed and cancelled
# projects can be reopened as leads only through a new project; delivered work can go back to
# active for fixes.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.LEAD: frozenset({Status.OFFERED, Status.ACTIVE, Status.CANCELLED}),
    Status.OFFERED: frozenset({Status.LEAD, Status.ACTIVE, Status.CANCELLED}),
    Status.ACTIVE: frozenset({Status.ON_HOLD, Status.DELIVERED, Status.CANCELLED}),
    Status.ON_HOLD: frozenset({Status.ACTIVE, Status.CANCELLED}),
    Status.DELIVERED: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class ProjectChildQuerySet(OwnedQuerySet):
    """Rows that belong to a project (and so to its owner)."""

    owner_path = "project__owner"
