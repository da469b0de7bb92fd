"""Forecasts from hours: a milestone whose booked hours pass its estimate while it is still
open gets an at-risk forecast, which the delay-notice planner turns into a draft for approval.

The rule (docs/time.md): the milestone was planned as its estimated hours spread over the
working days from its start (the previous milestone's due date, else the project's start, else
the first hour booked on it) to its due date. The hours beyond the estimate take as many more
working days at that pace, rounded up to whole weeks so the date moves rarely; the forecast is
the due date plus those weeks. It is only ever moved later, never earlier than a forecast the
freelancer typed; if the hours fall back under the estimate (an entry deleted), a forecast the
hours wrote is withdrawn.

``hours_forecast_ids`` is what communications/planners/delay_notices.py asks, so that a delay
notice for a forecast from hours is always drafted for approval, never sent on its own.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from projects.models import Milestone, Project

from .models import HoursForecast, TimeEntry

REASONS = {
    "de": "Der Aufwand ist größer als ursprünglich geschätzt.",
    "en": "The work has turned out larger than estimated.",
}


def working_days(start: datetime.date, end: datetime.date) -> int:
    """Return the Monday-to-Friday days from ``start`` to ``end`` (both included), at least 1."""
    if end < start:
        return 1
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (start + datetime.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return max(count, 1)


def forecast_for(
    *,
    due_on: datetime.date,
    window_start: datetime.date,
    estimated_hours: Decimal,
    booked_hours: Decimal,
) -> datetime.date | None:
    """Return the at-risk forecast, or None while the hours are within the estimate."""
    if not estimated_hours or booked_hours <= estimated_hours:
        return None
    per_day = estimated_hours / working_days(window_start, due_on)
    extra_days = math.ceil((booked_hours - estimated_hours) / per_day)
    weeks = max(math.ceil(extra_days / 5), 1)
    return due_on + datetime.timedelta(weeks=weeks)


def _booked() -> Coalesce:
    seconds = (
        TimeEntry.objects.filter(milestone_id=OuterRef("pk"))
        .order_by()
        .values("milestone_id")
        .annotate(total=Sum("seconds"))
        .values("total")
    )
    return Coalesce(Subquery(seconds), 0)


def _window_start(milestone: Milestone) -> datetime.date:
    previous = (
        Milestone.objects.filter(project_id=milestone.project_id, due_on__lt=milestone.due_on)
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    if previous is not None:
        return previous + datetime.timedelta(days=1)
    if milestone.project.start_on:
        return milestone.project.start_on
    first = (
        TimeEntry.objects.filter(milestone_id=milestone.pk)
        .order_by("work_on")
        .values_list("work_on", flat=True)
        .first()
    )
    return first or milestone.due_on


def forecasts_refresh(
    *, milestone_ids: Iterable[int] | None = None, owner_ids: Iterable[int] | None = None
) -> int:
    """Write or withdraw forecasts from hours; return how many milestones changed.

    Looks at open milestones with an estimate of active projects (all, or those given). Safe
    to run twice: a forecast already written is not written again.
    """
    milestones = (
        Milestone.objects.filter(
            done_on__isnull=True,
            estimated_hours__gt=0,
            project__status=Project.Status.ACTIVE,
        )
        .annotate(booked_seconds=_booked())
        .select_related("project__client")
    )
    if milestone_ids is not None:
        milestones = milestones.filter(pk__in=list(milestone_ids))
    if owner_ids is not None:
        milestones = milestones.filter(project__owner_id__in=list(owner_ids))
    # Over the estimate, or with a forecast from hours that may have to be withdrawn.
    milestones = milestones.filter(
        Q(booked_seconds__gt=F("estimated_hours") * 3600) | Q(hours_forecast__isnull=False)
    )
    changed = 0
    for milestone in milestones:
        with transaction.atomic():
            changed += _refresh(milestone)
    return changed


def _refresh(milestone: Milestone) -> int:
    booked = (Decimal(milestone.booked_seconds) / 3600).quantize(Decimal("0.01"))
    ours = HoursForecast.objects.select_for_update().filter(milestone=milestone).first()
    forecast = forecast_for(
        due_on=milestone.due_on,
        window_start=_window_start(milestone),
        estimated_hours=milestone.estimated_hours,
        booked_hours=booked,
    )
    rows = Milestone.objects.filter(pk=milestone.pk)
    owner_id = milestone.project.owner_id
    reason = REASONS.get(milestone.project.client.language, REASONS["en"])
    if forecast is None:
        if ours is None:
            return 0
        if milestone.forecast_on == ours.forecast_on:
            rows.update_of_owner(
                owner_id,
                forecast_on=None,
                delay_reason="" if milestone.delay_reason == reason else milestone.delay_reason,
            )
        ours.delete()
        return 1
    if milestone.forecast_on and milestone.forecast_on >= forecast:
        if ours is not None and ours.forecast_on != milestone.forecast_on:
            # The freelancer typed a later date: it is theirs now.
            ours.delete()
        return 0
    rows.update_of_owner(
        owner_id,
        forecast_on=forecast,
        delay_reason=milestone.delay_reason or reason,
    )
    HoursForecast.objects.update_or_create(
        milestone=milestone,
        defaults={
            "owner_id": owner_id,
            "forecast_on": forecast,
            "hours": booked,
            "estimated_hours": milestone.estimated_hours,
        },
    )
    return 1


def hours_forecast_ids(milestones: Iterable[Any]) -> set[int]:
    """Return the ids of the milestones whose current forecast was written by the hours."""
    ids = [m.pk for m in milestones]
    if not ids:
        return set()
    return set(
        HoursForecast.objects.filter(
            milestone_id__in=ids, forecast_on=F("milestone__forecast_on")
        ).values_list("milestone_id", flat=True)
    )
