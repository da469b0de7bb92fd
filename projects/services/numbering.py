"""Gap-free number sequences for offers and invoices (per freelancer, kind and year)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import NumberSequence


def number_next(*, owner: Any, kind: str, year: int) -> int:
    """Return the next number of the owner's ``kind`` sequence for ``year``; call in a transaction.

    The sequence row is locked with SELECT ... FOR UPDATE until the caller's transaction ends,
    so two simultaneous requests queue up: no duplicate, and no gap (a rolled-back caller also
    rolls back its increment). Creating the row races too: the loser of the unique constraint
    reads the winner's row inside a savepoint.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next() must run inside transaction.atomic().")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(owner=owner, kind=kind, year=year)
    except IntegrityError:
        pass
    sequence = NumberSequence.objects.select_for_update().get(owner=owner, kind=kind, year=year)
    sequence.last_number = F("last_number") + 1
    sequence.save(update_fields=["last_number", "updated_at"])
    sequence.refresh_from_db(fields=["last_number"])
    return sequence.last_number
