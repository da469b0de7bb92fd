"""Projects and what was agreed: scope, milestones, revisions, change requests, offers, invoices."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Cadence, Client
from crm.models import (
    OwnedModel,
    OwnedQuerySet,
    RenewsOwnerOnDelete,
    TimestampedModel,
    new_token,
)

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
        return self.status in {self.Status.ACTIVE, self.Status.ON_HOLD, self.Status.OFFERED}


class ProjectChildQuerySet(OwnedQuerySet):
    owner_path = "project__owner"


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
    estimated_hours = models.DecimalField(
        _("estimated hours"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The budget in hours; time booked on the milestone is measured against it."),
    )

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


class LineItem(RenewsOwnerOnDelete):
    """Fields shared by offer and invoice lines."""

    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("unit"), max_length=20, default="Stk.")
    unit_price = models.DecimalField(
        _("unit price (net)"), **MONEY, validators=[MinValueValidator(Decimal(0))]
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), **VAT_RATE, default=Decimal("19.00"))

    class Meta:
        abstract = True
        ordering = ("position", "pk")

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


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


class InvoiceQuerySet(OwnedQuerySet):
    def unpaid(self) -> InvoiceQuerySet:
        return self.filter(status__in=[Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID])

    def overdue(self, today: datetime.date) -> InvoiceQuerySet:
        return self.unpaid().filter(due_on__lt=today)


class Invoice(OwnedModel):
    """An invoice; once issued it is never deleted, only cancelled by a cancellation invoice."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    # Empty until issued; then a gap-free number per freelancer and year.
    number = models.CharField(_("number"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    delivery_from = models.DateField(_("delivery from"), null=True, blank=True)
    delivery_to = models.DateField(_("delivery until"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_vat_exempt = models.BooleanField(_("small-business exemption (§ 19 UStG)"), default=False)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_by",
        verbose_name=_("cancels invoice"),
    )
    notes = models.TextField(_("notes on the invoice"), blank=True, max_length=5_000)
    # Totals are stored when the invoice is issued, so lists and planners can sum in SQL.
    total_net = models.DecimalField(_("net total"), **MONEY, default=Decimal(0))
    total_vat = models.DecimalField(_("VAT"), **MONEY, default=Decimal(0))
    total_gross = models.DecimalField(_("gross total"), **MONEY, default=Decimal(0))
    amount_paid = models.DecimalField(_("paid"), **MONEY, default=Decimal(0))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    # Seller and buyer as they were on the issue date (an invoice never changes afterwards).
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True, editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ("-issued_on", "-pk")
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner", "number"],
                condition=~models.Q(number=""),
                name="invoice_number_unique_per_owner",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["due_on"],
                name="invoice_unpaid_due",
                condition=models.Q(status__in=["open", "partly_paid"]),
            ),
            # The dashboard: one freelancer's unpaid invoices (money figures, overdue list).
            models.Index(
                fields=["owner", "due_on", "id"],
                name="invoice_owner_unpaid",
                condition=models.Q(status__in=["open", "partly_paid"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice"))

    def get_absolute_url(self) -> str:
        return reverse("projects:invoice_detail", args=[self.pk])

    @property
    def amount_due(self) -> Decimal:
        return self.total_gross - self.amount_paid

    def is_overdue(self, today: datetime.date) -> bool:
        return (
            self.status in {self.Status.OPEN, self.Status.PARTLY_PAID}
            and self.due_on is not None
            and self.due_on < today
        )


class InvoiceChildQuerySet(OwnedQuerySet):
    owner_path = "invoice__owner"


class InvoiceLine(LineItem):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    objects = InvoiceChildQuerySet.as_manager()

    class Meta(LineItem.Meta):
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description


class Payment(TimestampedModel):
    """Money received against an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(
        _("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = InvoiceChildQuerySet.as_manager()

    class Meta:
        ordering = ("paid_on", "pk")
        verbose_name = _("payment")
        verbose_name_plural = _("payments")


class NumberSequence(OwnedModel):
    """The last number handed out per freelancer, kind and year (gap-free, row-locked)."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        INVOICE = "invoice", _("Invoice")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner", "kind", "year"], name="number_sequence_unique"
            ),
        ]


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
