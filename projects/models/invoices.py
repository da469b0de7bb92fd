"""Invoices with their lines and payments; an issued invoice is never deleted, only cancelled."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import OwnedModel, OwnedQuerySet, TimestampedModel

from .lines import LineItem
from .offers import Offer
from .project import MONEY, Project


class InvoiceQuerySet(OwnedQuerySet):
    def unpaid(self) -> InvoiceQuerySet:
        return self.filter(status__in=[Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID])

    def overdue(self, today: datetime.date) -> InvoiceQuerySet:
        return self.unpaid().filter(due_on__lt=today)


class VatTreatment(models.TextChoices):
    """How VAT is handled on an invoice: German VAT at each line's rate (category S, or Z at
    0 %), reverse charge to a business in another EU state (AE), or a service to a business
    outside the EU, not taxable in Germany (G)."""

    STANDARD = "standard", _("German VAT")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge (§ 13b UStG, business in the EU)")
    EXPORT = "export", _("Not taxable in Germany (business outside the EU)")


class Invoice(OwnedModel):
    """An invoice; once issued it is never deleted, only cancelled by a cancellation invoice."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    VatTreatment = VatTreatment

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
    vat_treatment = models.CharField(
        _("VAT"),
        max_length=16,
        choices=VatTreatment.choices,
        default=VatTreatment.STANDARD,
        help_text=_(
            "Suggested from the client's country and VAT ID; a small business (§ 19 UStG) "
            "charges no VAT whatever is chosen here."
        ),
    )
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
