"""What the time models share: the cent, the hours field, and the rule that billed work is never
deleted with its project."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import CASCADE
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext_lazy as _

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
