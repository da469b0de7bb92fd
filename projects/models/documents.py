"""Frozen documents: the PDF of a sent offer or an issued invoice, rendered once and kept."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .invoices import Invoice
from .offers import Offer


class FrozenDocument(models.Model):
    """The PDF exactly as it was rendered when the offer was sent or the invoice issued.

    Served on every later download, mail attachment and export, so the document never changes
    and is never rendered again. ``sha256`` is the hash of ``pdf``. Reached only through its
    offer or invoice (whose owner the views check); kept as long as they are (privacy).
    """

    offer = models.OneToOneField(
        Offer, on_delete=models.CASCADE, null=True, blank=True, related_name="frozen_document"
    )
    invoice = models.OneToOneField(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="frozen_document"
    )
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("frozen document")
        verbose_name_plural = _("frozen documents")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(offer__isnull=False, invoice__isnull=True)
                | Q(offer__isnull=True, invoice__isnull=False),
                name="frozen_document_offer_or_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer or self.invoice} ({self.sha256[:12]})"
