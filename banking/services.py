"""Services of the banking app: import a statement and book what it pays (the freelancer's
decisions on the rest: ``banking.decisions``).

Every payment is recorded through ``projects.services.payments.invoice_payments_record``, the same
service as a payment entered by hand (which is a batch of one): it locks the invoices, writes
the payments, audit entries and timeline entries, and sends ``invoice_payments_recorded``
inside its transaction, where communications cancels (paid) or re-renders (partly paid) the
invoices' unsent reminders. So a reminder planned for an invoice that a statement pays is gone
in the same commit as the payment, before the dispatcher can claim it. A statement's automatic
bookings are one batch: the import costs the same queries for 5 bookings or 5,000.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from crm import freshness
from projects.models import Invoice
from projects.services.payments import PaymentIn, invoice_payments_record

from .formats import DEBIT, ParsedEntry, ParsedFile, StatementError, statement_parse
from .matching import Decision, InvoiceRow, Matcher, State
from .models import Allocation, BankAccount, BankEntry, KnownAccount, StatementImport

__all__ = ["StatementError", "entry_keys", "payment_note", "statement_import"]

ZERO = Decimal(0)


def payment_note(entry: BankEntry) -> str:
    """Return the note of a payment booked from ``entry`` (payer and remittance text)."""
    remittance = " ".join(entry.remittance.split())
    return f"Bank: {entry.counterparty_name} – {remittance}" if remittance else "Bank"


# --- keys --------------------------------------------------------------------------------------


def _basis(entry: ParsedEntry) -> tuple[str, ...]:
    amount = f"{entry.amount:.2f}"
    if entry.bank_reference:
        # The bank's reference, with the facts that never change between statements: a bank
        # that reuses references for different bookings cannot make two of them one.
        return ("ref", entry.account, entry.bank_reference, str(entry.booked_on), amount)
    return (
        "hash",
        entry.account,
        str(entry.booked_on),
        amount,
        entry.currency,
        entry.direction,
        entry.counterparty_iban,
        " ".join(entry.counterparty_name.split()),
        " ".join(entry.remittance.split()),
        " ".join(entry.references),
    )


def entry_keys(entries: list[ParsedEntry]) -> list[str]:
    """Return each booking's unique key: its reference or content plus its position among
    identical bookings of the file (two equal transfers on one day stay two)."""
    seen: Counter[tuple[str, ...]] = Counter()
    keys = []
    for entry in entries:
        basis = _basis(entry)
        occurrence = seen[basis]
        seen[basis] += 1
        keys.append(hashlib.sha256("\x1f".join((*basis, str(occurrence))).encode()).hexdigest())
    return keys


# --- import -------------------------------------------------------------------------------------


def _matcher(user: Any) -> Matcher:
    """Load the freelancer's issued invoices and known accounts (two queries)."""
    rows = []
    names: dict[int, str] = {}
    open_statuses = {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}
    for values in (
        Invoice.objects.owned_by(user)
        .exclude(number="")
        .exclude(status=Invoice.Status.DRAFT)
        .values_list(
            "id",
            "number",
            "client_id",
            "client__name",
            "currency",
            "total_gross",
            "amount_paid",
            "due_on",
            "status",
        )
        .order_by()
    ):
        pk, number, client_id, client_name, currency, gross, paid, due_on, status = values
        is_open = status in open_statuses
        names[client_id] = client_name
        rows.append(
            InvoiceRow(
                id=pk,
                number=number,
                client_id=client_id,
                client_name=client_name,
                currency=currency,
                due=(gross - paid) if is_open else ZERO,
                due_on=due_on,
                is_open=is_open,
            )
        )
    known: dict[str, set[int]] = {}
    for iban, client_id, client_name in KnownAccount.objects.owned_by(user).values_list(
        "iban", "client_id", "client__name"
    ):
        known.setdefault(iban, set()).add(client_id)
        names[client_id] = client_name
    return Matcher(rows, known, names)


@dataclass
class _Planned:
    parsed: ParsedEntry
    key: str
    decision: Decision
    entry: BankEntry


def statement_import(
    *, user: Any, data: bytes, file_name: str, source: str = StatementImport.Source.UPLOAD
) -> StatementImport:
    """Read a statement file, store its new bookings, book the unambiguous credits through the
    manual-payment service and propose the rest. One transaction: a file that cannot be read,
    or fails half-way, saves nothing.

    Safe to run twice: bookings already stored (same file, overlapping statements) are counted
    as duplicates and nothing is booked again. Imports of one freelancer run one at a time, so
    two imports at once cannot both take the same booking.
    Raises ``StatementError`` for a file that cannot be read.
    """
    parsed = statement_parse(data)
    # One renewal of the cache generations per model for the whole import (crm/freshness.py),
    # not two per payment, audit entry and timeline entry.
    with transaction.atomic(), freshness.deferred():
        accounts = _accounts_lock(user=user, parsed=parsed)
        booked = [entry for entry in parsed.entries if entry.is_booked]
        keys = entry_keys(booked)
        existing = set(
            BankEntry.objects.filter(owner=user, key__in=keys).values_list("key", flat=True)
        )
        statement = StatementImport.objects.create(
            owner=user,
            file_name=file_name[:200],
            file_sha256=hashlib.sha256(data).hexdigest(),
            format=parsed.format,
            statement_ids=", ".join(parsed.statement_ids)[:200],
            period_from=parsed.period_from,
            period_to=parsed.period_to,
            source=source,
            entries_read=len(parsed.entries),
            pending=len(parsed.entries) - len(booked),
        )
        fresh = [
            (entry, key) for entry, key in zip(booked, keys, strict=True) if key not in existing
        ]
        statement.duplicates = len(booked) - len(fresh)
        matcher = _matcher(user)
        plans: list[_Planned] = []
        for entry, key in fresh:
            decision = matcher.decide(entry)
            matcher.apply(decision, entry)
            row = _entry_row(user, statement, accounts, entry, key, decision)
            plans.append(_Planned(entry, key, decision, row))
        BankEntry.objects.bulk_create([plan.entry for plan in plans], batch_size=1000)
        allocations = _book_planned(plans, matcher)
        Allocation.objects.bulk_create(allocations, batch_size=2000)
        _learn_accounts(user, [plan for plan in plans if plan.entry.state == State.BOOKED])
        _reversals_link(user, [plan for plan in plans if plan.parsed.is_reversal])
        counts = Counter(plan.entry.state for plan in plans)
        statement.booked = counts[BankEntry.State.BOOKED]
        statement.proposed = counts[BankEntry.State.PROPOSED]
        statement.ignored = counts[BankEntry.State.IGNORED]
        statement.save(update_fields=["duplicates", "booked", "proposed", "ignored", "updated_at"])
    return statement


IMPORT_LOCK = 0x62616E6B  # "bank": the high half of the advisory lock key, the user id the low


def _accounts_lock(*, user: Any, parsed: ParsedFile) -> dict[str, BankAccount]:
    """Wait until no other import of this freelancer runs, then return the statement's
    accounts (created if new).

    One import at a time per freelancer (a PostgreSQL advisory lock held to the end of the
    transaction): a second import of the same file then finds every booking stored instead of
    failing on the unique key, and two imports never lock the same invoices in different
    orders (a deadlock). SQLite writes one transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = (IMPORT_LOCK << 32) | (user.pk & 0xFFFFFFFF)
            cursor.execute("SELECT pg_advisory_xact_lock(%s::bigint)", [key])
    accounts = {}
    for iban, currency in sorted(parsed.accounts.items()):
        account, _created = BankAccount.objects.get_or_create(
            owner=user, iban=iban[:42], defaults={"currency": currency[:3]}
        )
        accounts[account.iban] = account
    return accounts


def _entry_row(
    user: Any,
    statement: StatementImport,
    accounts: dict[str, BankAccount],
    entry: ParsedEntry,
    key: str,
    decision: Decision,
) -> BankEntry:
    return BankEntry(
        owner=user,
        statement=statement,
        account=accounts[entry.account[:42]],
        key=key,
        position=entry.position,
        booked_on=entry.booked_on,
        value_on=entry.value_on,
        amount=entry.amount,
        currency=entry.currency,
        direction=entry.direction,
        is_reversal=entry.is_reversal,
        counterparty_name=entry.counterparty_name,
        counterparty_iban=entry.counterparty_iban[:42],
        remittance=entry.remittance,
        references=" | ".join(entry.references)[:300],
        end_to_end_id=entry.end_to_end_id[:80],
        bank_reference=entry.bank_reference,
        bank_code=entry.bank_code,
        posting_text=entry.posting_text,
        state=decision.state,
        reason=decision.reason,
        reason_params=decision.params,
        excess=decision.excess if decision.state == State.BOOKED else ZERO,
        needs_attention=decision.needs_attention,
    )


def _book_planned(plans: list[_Planned], matcher: Matcher) -> list[Allocation]:
    """Record the payments of the automatic bookings in one batch; return every allocation to
    store.

    Each credit is one group of the batch: several invoices in one credit are paid all or none.
    A booking the projects service refuses (the invoice was paid or cancelled by hand since
    the invoices were read) becomes a proposal with the service's answer as its reason.
    """
    booked = [plan for plan in plans if plan.decision.state == State.BOOKED]
    batch = [
        PaymentIn(
            invoice_id=row.id,
            amount=amount,
            paid_on=plan.entry.booked_on,
            note=payment_note(plan.entry),
            group=number,
        )
        for number, plan in enumerate(booked)
        for row, amount in plan.decision.allocations
    ]
    recorded = invoice_payments_record(payments=batch, all_or_nothing=False)
    payments = iter(recorded.payments)
    allocations: list[Allocation] = []
    failed: list[BankEntry] = []
    for plan in plans:
        decision, entry = plan.decision, plan.entry
        is_booked = decision.state == State.BOOKED
        for row, amount in decision.allocations:
            payment = next(payments) if is_booked else None
            allocations.append(
                Allocation(entry=entry, invoice_id=row.id, amount=amount, payment=payment)
            )
    for number, plan in enumerate(booked):
        if number not in recorded.refused:
            continue
        _invoice, error = recorded.refused[number]
        matcher.undo(plan.decision)
        entry = plan.entry
        entry.state = BankEntry.State.PROPOSED
        entry.reason, entry.reason_params = "booking_failed", {"error": error}
        entry.excess, entry.needs_attention = ZERO, False
        failed.append(entry)
    if failed:
        BankEntry.objects.bulk_update(
            failed, ["state", "reason", "reason_params", "excess", "needs_attention"]
        )
    return allocations


def _learn_accounts(user: Any, plans: list[_Planned]) -> None:
    """Remember the payer's IBAN for the clients of booked payments (one insert)."""
    learned = {}
    for plan in plans:
        iban = plan.entry.counterparty_iban
        if not iban:
            continue
        for row, _amount in plan.decision.allocations:
            learned.setdefault(
                (row.client_id, iban),
                KnownAccount(
                    owner=user,
                    client_id=row.client_id,
                    iban=iban,
                    name=plan.entry.counterparty_name,
                    learned_from=plan.entry,
                ),
            )
    if learned:
        KnownAccount.objects.bulk_create(learned.values(), ignore_conflicts=True)


def _reversals_link(user: Any, plans: list[_Planned]) -> None:
    """Point a reversed credit (Storno, returned payment) at the payment it takes back.

    The original is a booked credit of the same account and amount, with the same end-to-end
    reference or the same payer IBAN, on or before the reversal (the latest such). Found, the
    reversal needs the freelancer's attention: the invoice still counts as paid.
    """
    reversals = [plan for plan in plans if plan.parsed.direction == DEBIT]
    if not reversals:
        return
    candidates = list(
        BankEntry.objects.owned_by(user)
        .filter(
            direction=BankEntry.Direction.CREDIT,
            is_reversal=False,
            state__in=[BankEntry.State.BOOKED, BankEntry.State.CONFIRMED],
            amount__in={plan.entry.amount for plan in reversals},
            account__in={plan.entry.account_id for plan in reversals},
        )
        .prefetch_related("allocations__invoice__client")
        .order_by("-booked_on", "-pk")
    )
    changed = []
    for plan in reversals:
        entry = plan.entry
        for original in candidates:
            same_reference = entry.end_to_end_id and original.end_to_end_id == entry.end_to_end_id
            same_payer = entry.counterparty_iban and (
                original.counterparty_iban == entry.counterparty_iban
            )
            if (
                original.account_id == entry.account_id
                and original.amount == entry.amount
                and original.booked_on <= entry.booked_on
                and (same_reference or same_payer)
            ):
                invoices = [allocation.invoice for allocation in original.allocations.all()]
                entry.reason = "reversal_booked"
                entry.reason_params = {
                    "date": str(original.booked_on),
                    "numbers": [invoice.number for invoice in invoices],
                    "client": invoices[0].client.name if invoices else "",
                    "original": original.pk,
                }
                entry.needs_attention = True
                changed.append(entry)
                break
    if changed:
        BankEntry.objects.bulk_update(changed, ["reason", "reason_params", "needs_attention"])
