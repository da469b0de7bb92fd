"""Celery tasks of the inbox: thin wrappers around inbox.fetching (no eta, ever)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def fetch_mailbox(mailbox_id: int) -> dict[str, Any]:
    """Read new mail of one mailbox (claims it; safe to run twice and to overlap)."""
    from .fetching import mailbox_fetch

    result = mailbox_fetch(mailbox_id=mailbox_id)
    return {"recorded": result.recorded, "more": result.more, "problem": result.problem}


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def fetch_mailboxes() -> int:
    """Queue a fetch of every active mailbox no run holds (beat); return how many."""
    from .models import Mailbox

    ids = list(
        Mailbox.objects.filter(is_active=True)
        .filter(Q(fetch_lease_until__isnull=True) | Q(fetch_lease_until__lt=timezone.now()))
        .values_list("pk", flat=True)
    )
    for mailbox_id in ids:
        fetch_mailbox.apply_async((mailbox_id,), ignore_result=True)
    return len(ids)


def fetch_mailbox_soon(*, mailbox_id: int) -> None:
    """Ask a worker to fetch this mailbox after commit; a dead broker is logged, not raised.

    The beat sweep fetches every few minutes anyway.
    """
    from django.db import transaction

    def enqueue() -> None:
        try:
            fetch_mailbox.apply_async((mailbox_id,), retry=False, ignore_result=True)
        except Exception:  # kombu raises several types for a dead broker
            logger.warning("Could not reach the Celery broker; beat fetches later", exc_info=True)

    transaction.on_commit(enqueue)
