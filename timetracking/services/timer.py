"""The running timer: start (a timer on other work is booked first), stop, keep, cut."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Milestone, Project, ScopeItem

from .. import clock
from ..models import TimeEntry, Timer
from .common import TimeError, check_parts, milestones_touched
from .rates import rate_for


def timer_running(user: Any) -> Timer | None:
    """Return the freelancer's running timer with its project and client, or None."""
    return (
        Timer.objects.filter(owner_id=user.pk)
        .select_related("project__client", "milestone")
        .first()
    )


@dataclass
class TimerStart:
    """What starting the timer did."""

    timer: Timer
    stopped: TimeEntry | None  # the entry of a timer that was running on other work
    already_running: bool  # the same work was running already (a second tab, a double click)


def timer_start(
    *,
    user: Any,
    project: Project,
    milestone: Milestone | None = None,
    scope_item: ScopeItem | None = None,
    description: str = "",
    is_billable: bool = True,
    now: datetime.datetime | None = None,
) -> TimerStart:
    """Start the freelancer's timer; a timer running on other work becomes an entry first.

    Safe to run twice: starting the same project again (without naming another milestone)
    keeps the running timer. Two tabs that
    start at the same moment race on the unique constraint (one timer per freelancer): the
    loser's insert fails inside a savepoint and it returns the winner's timer.
    """
    now = now or timezone.now()
    check_parts(project, milestone, scope_item)
    with transaction.atomic():
        running = Timer.objects.select_for_update().filter(owner_id=user.pk).first()
        if (
            running is not None
            and running.project_id == project.pk
            and (milestone is None or running.milestone_id == milestone.pk)
        ):
            return TimerStart(timer=running, stopped=None, already_running=True)
        stopped = _timer_to_entry(running, now) if running is not None else None
        try:
            with transaction.atomic():
                timer = Timer.objects.create(
                    owner_id=user.pk,
                    project=project,
                    milestone=milestone,
                    scope_item=scope_item,
                    description=description[:500],
                    is_billable=is_billable,
                    started_at=now,
                )
        except IntegrityError:
            timer = Timer.objects.get(owner_id=user.pk)
            return TimerStart(timer=timer, stopped=stopped, already_running=True)
    return TimerStart(timer=timer, stopped=stopped, already_running=False)


def _timer_to_entry(timer: Timer, ended_at: datetime.datetime) -> TimeEntry | None:
    """Delete the (locked) timer and book its time; None when less than a second ran."""
    timer.delete()
    seconds = clock.elapsed_seconds(timer.started_at, ended_at)
    if seconds <= 0:
        return None
    zone = clock.zone_of(timer.owner)
    entry = TimeEntry.objects.create(
        owner_id=timer.owner_id,
        project=timer.project,
        milestone_id=timer.milestone_id,
        scope_item_id=timer.scope_item_id,
        work_on=timer.started_at.astimezone(zone).date(),
        started_at=timer.started_at,
        ended_at=ended_at,
        seconds=seconds,
        description=timer.description,
        is_billable=timer.is_billable,
        hourly_rate=rate_for(timer.project),
    )
    milestones_touched(entry.milestone_id)
    return entry


def timer_stop(
    *, user: Any, now: datetime.datetime | None = None, ended_at: datetime.datetime | None = None
) -> TimeEntry | None:
    """Stop the running timer and book it as an entry (ended now, or at ``ended_at``).

    Safe to run twice (and from two tabs at once): the timer row is locked and deleted, so
    only the first stop books it; the second finds no timer and returns None.
    """
    now = now or timezone.now()
    with transaction.atomic():
        timer = (
            Timer.objects.select_for_update(of=("self",))
            .select_related("project", "owner__profile")
            .filter(owner_id=user.pk)
            .first()
        )
        if timer is None:
            return None
        end = ended_at or now
        if end > now:
            raise TimeError(_("The timer cannot end in the future."))
        if end <= timer.started_at:
            raise TimeError(_("The end must lie after the start."))
        return _timer_to_entry(timer, end)


def timer_keep(*, user: Any, now: datetime.datetime | None = None) -> Timer | None:
    """Answer "keep it running" to the long-run question (it is not asked again). Idempotent."""
    now = now or timezone.now()
    Timer.objects.filter(owner_id=user.pk, kept_at__isnull=True).update_of_owner(
        user.pk, kept_at=now
    )
    return timer_running(user)


def timer_cut_default(timer: Timer, limit_hours: int) -> datetime.datetime:
    """Return the suggested end of a timer left running: its start plus the limit."""
    return timer.started_at + datetime.timedelta(hours=limit_hours)
