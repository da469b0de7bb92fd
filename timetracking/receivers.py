"""How time tracking answers the events of projects (connected in ``apps.py``).

Each receiver runs inside the transaction of the invoice service that sent the event, so the
entries are billed or released in the same commit as the invoice's new status.
"""

from __future__ import annotations

from typing import Any

from projects import events as project_events
from projects.models import Invoice

from . import billing


def time_bill(*, invoice: Invoice, **kwargs: Any) -> None:
    """An invoice was issued: its time entries and expenses are billed and locked."""
    billing.invoice_time_bill(invoice=invoice)


def time_release(*, invoice: Invoice, **kwargs: Any) -> None:
    """An invoice was cancelled: its time entries and expenses are unbilled again."""
    billing.invoice_time_release(invoice=invoice)


def connect() -> None:
    project_events.invoice_issued.connect(
        time_bill, sender=Invoice, dispatch_uid="timetracking.time_bill"
    )
    project_events.invoice_cancelled.connect(
        time_release, sender=Invoice, dispatch_uid="timetracking.time_release"
    )
