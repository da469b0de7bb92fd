"""What offer and invoice lines share: the fields of one line item and its net amount."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import RenewsOwnerOnDelete

from .project import MONEY, VAT_RATE


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


# The fields a line is edited by (forms) and copied with (new versions, invoices from offers).
LINE_FIELDS = ("position", "description", "quantity", "unit", "unit_price", "vat_rate")
