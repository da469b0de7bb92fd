"""The hours a retainer counts: which entries (its project's, or all of its client's), and the
month so far against the hours it includes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from ..billing import hours_from_seconds
from ..models import Retainer, TimeEntry
from .periods import coverage, period_containing


def covered_entries(retainer: Retainer) -> Q:
    """Return the filter for time entries a retainer's hours count (its project or client)."""
    if retainer.covers_client:
        return Q(project__client_id=retainer.project.client_id)
    return Q(project_id=retainer.project_id)


def retainer_month(retainer: Retainer, day: datetime.date) -> dict[str, Any]:
    """Return the hours booked in the month of ``day`` against the hours it includes."""
    cover = coverage(retainer, period_containing(Retainer.Interval.MONTHLY, day)[0])
    seconds = (
        TimeEntry.objects.filter(covered_entries(retainer))
        .filter(work_on__gte=cover.start, work_on__lte=cover.end, is_billable=True)
        .aggregate(total=Sum("seconds"))["total"]
        or 0
    )
    included = cover.share(retainer.included_hours or Decimal(0))
    hours = hours_from_seconds(seconds)
    return {
        "start": cover.start,
        "end": cover.end,
        "hours": hours,
        "included": included,
        "overage": max(hours - included, Decimal(0)),
        "percent": int(hours * 100 / included) if included else 0,
    }
