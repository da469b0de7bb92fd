"""Expenses: save (a new or an edited one) and delete, with the receipt file."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Expense
from .common import refuse_locked


def expense_save(*, expense: Expense, actor: Any) -> Expense:
    """Save a new or edited expense (owner = actor); one on an invoice is locked."""
    with transaction.atomic():
        if expense.pk:
            stored = Expense.objects.select_for_update().get(pk=expense.pk)
            refuse_locked(stored)
            expense.invoice_id, expense.billed_at = stored.invoice_id, stored.billed_at
        else:
            expense.owner_id = actor.pk
        expense.save()
    return expense


def expense_delete(*, expense: Expense, actor: Any) -> None:
    """Delete an expense that is on no invoice, with its receipt file (after the commit)."""
    with transaction.atomic():
        stored = Expense.objects.select_for_update().get(pk=expense.pk)
        refuse_locked(stored)
        receipt = stored.receipt
        stored.delete()
        if receipt:
            name, storage = receipt.name, receipt.storage
            transaction.on_commit(lambda: storage.delete(name))
