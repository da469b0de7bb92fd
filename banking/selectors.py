"""Reads of the banking app for views (each a fixed number of queries, whatever the size)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from projects.models import Invoice

from .models import Allocation, BankEntry, KnownAccount, StatementImport


def _with_allocations(entries: QuerySet[BankEntry]) -> QuerySet[BankEntry]:
    return entries.select_related("account").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("invoice__client").order_by("pk"),
        )
    )


def entries_to_review(user: Any) -> QuerySet[BankEntry]:
    """Return the user's proposals and notes to look at, oldest first."""
    return _with_allocations(BankEntry.objects.owned_by(user).to_review()).order_by(
        "booked_on", "position", "pk"
    )


def statement_entries(statement: StatementImport, state: str = "") -> QuerySet[BankEntry]:
    """Return the entries first read from ``statement``, optionally of one state."""
    entries = BankEntry.objects.filter(statement=statement)
    if state:
        entries = entries.filter(state=state)
    return _with_allocations(entries).order_by("position", "pk")


def statements_recent(user: Any) -> QuerySet[StatementImport]:
    return StatementImport.objects.owned_by(user).order_by("-created_at", "-pk")


def known_accounts(user: Any) -> QuerySet[KnownAccount]:
    return (
        KnownAccount.objects.owned_by(user)
        .select_related("client")
        .order_by("client__name", "iban")
    )


def invoices_suggested(user: Any, *, query: str, currency: str) -> QuerySet[Invoice]:
    """Return open invoices of the user whose number or client matches ``query``."""
    invoices = Invoice.objects.owned_by(user).unpaid().select_related("client")
    if currency:
        invoices = invoices.filter(currency=currency)
    if query:
        invoices = invoices.filter(Q(number__icontains=query) | Q(client__name__icontains=query))
    return invoices.order_by("due_on", "number")
