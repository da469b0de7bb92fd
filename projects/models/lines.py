"""What offer and invoice lines share: the fields of one line item and its net amount.

A line is an item (work, a fee) or a price concession: a discount ("Nachlass") or a goodwill
credit ("Kulanz"). A concession has a negative unit price; per VAT rate the concessions of a
document may bring it down to zero, never below (``rates_below_zero``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import RenewsOwnerOnDelete

from .project import MONEY, VAT_RATE


class LineItem(RenewsOwnerOnDelete):
    """Fields shared by offer and invoice lines."""

    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        DISCOUNT = "discount", _("Discount")
        GOODWILL = "goodwill", _("Goodwill credit")

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
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ITEM)
    # Negative for a discount or goodwill credit (the forms keep the sign right).
    unit_price = models.DecimalField(_("unit price (net)"), **MONEY)
    vat_rate = models.DecimalField(_("VAT rate (%)"), **VAT_RATE, default=Decimal("19.00"))

    class Meta:
        abstract = True
        ordering = ("position", "pk")

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


# The fields a line is edited by (forms) and copied with (new versions, invoices from offers).
LINE_FIELDS = ("position", "kind", "description", "quantity", "unit", "unit_price", "vat_rate")
# The kinds that lower the price: a goodwill ledger sums them (projects.selectors.scope).
CONCESSION_KINDS = (LineItem.Kind.DISCOUNT, LineItem.Kind.GOODWILL)
CONCESSIONS_EXCEED = _(
    "Discounts and goodwill credits can bring the total down to zero, not below: at each VAT "
    "rate they may not exceed the items."
)


def rates_below_zero(lines: Iterable[Mapping[str, Any]]) -> list[Decimal]:
    """Return the VAT rates at which the lines (dicts of ``LINE_FIELDS``) sum below zero.

    Empty when the document is fine: concessions may bring a rate down to zero, not below, so
    neither the net nor the VAT nor the total of a document is ever negative.
    """
    sums: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = Decimal(str(line["vat_rate"]))
        net = Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"]))
        sums[rate] = sums.get(rate, Decimal(0)) + net
    return sorted(rate for rate, total in sums.items() if total < 0)
