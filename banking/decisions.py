"""The freelancer's decisions on a statement's bookings: book a proposal (or other invoices),
dismiss a credit, take a note off the review list, forget a learned payer account.

A booking goes through ``projects.services.payments.invoice_payments_record`` like an automatic
one (``banking.services``), so the reminder upkeep is the same.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Invoice
from projects.services.payments import PaymentIn, invoice_payments_record

from .models import Allocation, BankEntry, KnownAccount
from .services import ZERO, payment_note


class BankingError(Exception):
    """A booking rule said no; the message is shown to the freelancer as it is."""


def _allocations_check(locked: BankEntry, allocations: list[tuple[Invoice, Decimal]]) -> Decimal:
    """Raise ``BankingError`` unless ``allocations`` fit the credit ``locked`` (at least one,
    not more than the payment, the freelancer's invoices in its currency); return their total."""
    if not allocations:
        raise BankingError(_("Choose at least one invoice and amount."))
    total = sum((amount for _invoice, amount in allocations), ZERO)
    if total > locked.amount:
        raise BankingError(
            _("The amounts (%(total)s) add up to more than the payment (%(amount)s).")
            % {"total": total, "amount": locked.amount}
        )
    for invoice, _amount in allocations:
        if invoice.owner_id != locked.owner_id:
            raise BankingError(_("Choose one of your invoices."))
        if invoice.currency != locked.currency:
            raise BankingError(
                _("Invoice %(number)s is in %(invoice)s, the payment in %(currency)s.")
                % {
                    "number": invoice.number,
                    "invoice": invoice.currency,
                    "currency": locked.currency,
                }
            )
    return total


def _accounts_learn(locked: BankEntry, client_ids: set[int]) -> None:
    """Remember the payer's IBAN of ``locked`` for the clients ``client_ids`` (one insert)."""
    if not locked.counterparty_iban:
        return
    KnownAccount.objects.bulk_create(
        [
            KnownAccount(
                owner_id=locked.owner_id,
                client_id=client_id,
                iban=locked.counterparty_iban,
                name=locked.counterparty_name,
                learned_from=locked,
            )
            for client_id in client_ids
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def entry_book(*, entry: BankEntry, allocations: list[tuple[Invoice, Decimal]]) -> BankEntry:
    """Book a proposed (or ignored) credit on the invoices the freelancer chose, through the
    manual-payment service; learn the payer's IBAN for their clients.

    All or nothing. Not repeatable: the entry is locked, and a second call (a double click)
    finds it booked and raises ``BankingError``.
    """
    locked = BankEntry.objects.select_for_update().get(pk=entry.pk)
    if not locked.is_open:
        raise BankingError(_("This booking was already decided; nothing was changed."))
    total = _allocations_check(locked, allocations)
    Allocation.objects.filter(entry=locked, payment__isnull=True).delete()
    recorded = invoice_payments_record(
        payments=[
            PaymentIn(
                invoice_id=invoice.pk,
                amount=amount,
                paid_on=locked.booked_on,
                note=payment_note(locked),
                group=locked.pk,
            )
            for invoice, amount in allocations
        ],
        all_or_nothing=False,
    )
    if locked.pk in recorded.refused:
        invoice, error = recorded.refused[locked.pk]
        raise BankingError(f"{invoice.number}: {error}")
    Allocation.objects.bulk_create(
        Allocation(entry=locked, invoice=invoice, amount=amount, payment=payment)
        for (invoice, amount), payment in zip(allocations, recorded.payments, strict=True)
    )
    _accounts_learn(locked, {invoice.client_id for invoice, _amount in allocations})
    locked.state = BankEntry.State.CONFIRMED
    locked.excess = locked.amount - total
    locked.needs_attention = locked.excess > 0
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "excess", "needs_attention", "decided_at", "updated_at"])
    return locked


def entry_proposal(entry: BankEntry) -> list[tuple[Invoice, Decimal]]:
    """Return the invoices and amounts proposed for ``entry`` (still open ones only)."""
    return [
        (allocation.invoice, allocation.amount)
        for allocation in entry.allocations.select_related("invoice")
        if allocation.payment_id is None
    ]


def entry_dismiss(*, entry: BankEntry) -> BankEntry:
    """Mark a credit as no invoice payment (a refund, a private transfer). Safe to run twice."""
    with transaction.atomic():
        locked = BankEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.state == BankEntry.State.DISMISSED:
            return locked
        if locked.state not in {BankEntry.State.PROPOSED, BankEntry.State.IGNORED}:
            raise BankingError(_("This booking was already decided; nothing was changed."))
        Allocation.objects.filter(entry=locked, payment__isnull=True).delete()
        locked.state = BankEntry.State.DISMISSED
        locked.needs_attention = False
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "needs_attention", "decided_at", "updated_at"])
        return locked


def entry_acknowledge(*, entry: BankEntry) -> BankEntry:
    """Take a note (overpayment, reversal, paid twice) off the review list. Safe to run twice."""
    BankEntry.objects.filter(pk=entry.pk).update_of_owner(
        entry.owner_id, needs_attention=False, updated_at=timezone.now()
    )
    entry.needs_attention = False
    return entry


def known_account_forget(*, known: KnownAccount) -> None:
    """Forget a learned payer account (it will not book automatically again). Safe twice."""
    KnownAccount.objects.filter(pk=known.pk).delete()
