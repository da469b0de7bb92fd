"""Expenses (Auslagen) with their receipts, billable at cost or with a markup."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel
from projects.models import Invoice, Project
from projects.models.project import MONEY, VAT_RATE

from ..storage import ReceiptStorage
from .base import CENT, protect_invoiced


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
