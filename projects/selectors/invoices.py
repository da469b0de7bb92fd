"""Reads about invoices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Invoice


def invoices_for_list(*, user: Any, status: str = "") -> QuerySet[Invoice]:
    """Return the user's invoices, newest first, with client and project (for the list)."""
    invoices = (
        Invoice.objects.owned_by(user)
        .select_related("client", "project")
        .order_by("-issued_on", "-pk")
    )
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    return invoices


def invoice_cancelled_by(invoice: Invoice) -> Invoice | None:
    """Return the cancellation invoice of ``invoice``, if it was cancelled."""
    return Invoice.objects.filter(cancels=invoice).first()


@dataclass(frozen=True)
class MissingDetail:
    """A detail § 14 UStG requires that is missing, and where the freelancer fills it in."""

    label: str
    where: str  # "profile" (the settings page) or "client" (the client's page)


def invoice_missing_details(invoice: Invoice) -> list[MissingDetail]:
    """Return what an invoice needs before it may be issued (§ 14 Abs. 4, § 14a UStG).

    The seller's full address and a tax number or VAT ID, always; for the reverse charge
    (§ 13b UStG) also the seller's and the buyer's VAT ID. Empty when it may be issued.
    """
    profile = invoice.owner.profile_or_default
    missing = [
        MissingDetail(str(label), "profile")
        for label, value in (
            (_("your street and number"), profile.street),
            (_("your postal code"), profile.postal_code),
            (_("your city"), profile.city),
        )
        if not value.strip()
    ]
    reverse_charge = (
        not invoice.is_vat_exempt and invoice.vat_treatment == Invoice.VatTreatment.REVERSE_CHARGE
    )
    if reverse_charge and not profile.vat_id.strip():
        missing.append(
            MissingDetail(str(_("your VAT ID (required for the reverse charge)")), "profile")
        )
    elif not (profile.tax_number.strip() or profile.vat_id.strip()):
        missing.append(MissingDetail(str(_("your tax number or VAT ID")), "profile"))
    if reverse_charge and not invoice.client.vat_id.strip():
        missing.append(
            MissingDetail(str(_("the client's VAT ID (required for the reverse charge)")), "client")
        )
    return missing
