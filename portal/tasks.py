"""Celery tasks of the portal: thin wrappers that mail the freelancer (queued after commit)."""

from __future__ import annotations

from celery import shared_task

from . import notifications


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def notify_offer_accepted(offer_id: int) -> bool:
    """Mail the freelancer that their client accepted an offer in the portal."""
    return notifications.notify_offer_accepted(offer_id=offer_id)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def notify_change_requested(change_request_id: int) -> bool:
    """Mail the freelancer that their client asked for a change in the portal."""
    return notifications.notify_change_requested(change_request_id=change_request_id)
