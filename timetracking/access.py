"""Access helpers of time tracking: another freelancer's id looks missing (404)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import Expense, Retainer, TimeEntry


def access_entry(user: Any, entry_id: int) -> TimeEntry:
    """Return the user's time entry (with project and invoice) or raise Http404."""
    return get_object_or_404(
        TimeEntry.objects.owned_by(user).select_related("project__client", "invoice"),
        pk=entry_id,
    )


def access_expense(user: Any, expense_id: int) -> Expense:
    """Return the user's expense (with its project) or raise Http404."""
    return get_object_or_404(
        Expense.objects.owned_by(user).select_related("project__client", "invoice"),
        pk=expense_id,
    )


def access_retainer(user: Any, retainer_id: int) -> Retainer:
    """Return the user's retainer or recurring invoice or raise Http404."""
    return get_object_or_404(
        Retainer.objects.owned_by(user).select_related("project__client"), pk=retainer_id
    )
