"""The gap-free number sequences of offers and invoices (see ``services.numbering``)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel


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
