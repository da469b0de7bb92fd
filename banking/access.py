"""Access helpers: another freelancer's id answers 404, like a missing one."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import BankEntry, KnownAccount, StatementImport


def access_statement(user: Any, statement_id: int) -> StatementImport:
    """Return the user's statement import or raise Http404."""
    return get_object_or_404(StatementImport.objects.owned_by(user), pk=statement_id)


def access_entry(user: Any, entry_id: int) -> BankEntry:
    """Return the user's bank entry (with its statement and account) or raise Http404."""
    return get_object_or_404(
        BankEntry.objects.owned_by(user).select_related("statement", "account"), pk=entry_id
    )


def access_known_account(user: Any, known_id: int) -> KnownAccount:
    """Return the user's known payer account or raise Http404."""
    return get_object_or_404(
        KnownAccount.objects.owned_by(user).select_related("client"), pk=known_id
    )
