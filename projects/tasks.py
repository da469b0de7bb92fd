"""Celery tasks of the projects app: thin wrappers around services (no eta, ever)."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .services.offers import offers_expire

# The date is the one at UTC-12, the last place on earth where a day ends: an offer is marked
# expired once its "valid until" day is over everywhere, so no freelancer's or client's time
# zone ever sees it expire early. (Acceptance itself checks the date on its own.)
LAST_TIME_ZONE = datetime.timezone(datetime.timedelta(hours=-12))


@shared_task(ignore_result=True)
def expire_offers() -> int:
    """Mark sent offers past their validity as expired (daily; idempotent, safe to overlap)."""
    return offers_expire(today=timezone.now().astimezone(LAST_TIME_ZONE).date())
