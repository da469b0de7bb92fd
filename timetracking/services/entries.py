"""Time entries: create, edit, delete, overlaps, and the cells of the week grid."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from projects.models import Project

from .. import clock
from ..models import TimeEntry
from .common import TimeError, check_parts, milestones_touched, refuse_locked
from .rates import rate_for


def entry_create(*, entry: TimeEntry, actor: Any) -> TimeEntry:
    """Save a new manual entry with the current rate (owner = actor). Not idempotent."""
    check_parts(entry.project, entry.milestone, entry.scope_item)
    _check_span(entry)
    entry.owner_id = actor.pk
    if entry.hourly_rate is None:
        entry.hourly_rate = rate_for(entry.project)
    entry.save()
    milestones_touched(entry.milestone_id)
    return entry


def _check_span(entry: TimeEntry) -> None:
    """Take the duration from the span, if there is one; refuse a duration of zero."""
    if entry.started_at and entry.ended_at:
        entry.seconds = clock.elapsed_seconds(entry.started_at, entry.ended_at)
    if not entry.seconds or entry.seconds <= 0:
        raise TimeError(_("A duration must be more than zero."))


def entry_update(*, entry: TimeEntry, actor: Any) -> TimeEntry:
    """Save an edited entry; an entry on an invoice is locked. The rate stays the entry's own,
    unless the project changed (then the new project's rate applies). Safe to run twice."""
    with transaction.atomic():
        stored = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        refuse_locked(stored)
        check_parts(entry.project, entry.milestone, entry.scope_item)
        _check_span(entry)
        if stored.project_id != entry.project_id:
            entry.hourly_rate = rate_for(entry.project)
        entry.invoice_id, entry.billed_at = stored.invoice_id, stored.billed_at
        entry.save()
        milestones_touched(stored.milestone_id, entry.milestone_id)
    return entry


def entry_delete(*, entry: TimeEntry, actor: Any) -> None:
    """Delete an entry that is on no invoice."""
    with transaction.atomic():
        stored = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        refuse_locked(stored)
        stored.delete()
        milestones_touched(stored.milestone_id)


def overlaps(entries: Iterable[TimeEntry]) -> set[int]:
    """Return the ids of timed entries that overlap another one (allowed, but shown)."""
    timed = sorted(
        (e for e in entries if e.started_at and e.ended_at), key=lambda e: (e.started_at, e.pk)
    )
    found: set[int] = set()
    latest: TimeEntry | None = None
    for entry in timed:
        if latest is not None and entry.started_at < latest.ended_at:
            found.update({entry.pk, latest.pk})
        if latest is None or entry.ended_at > latest.ended_at:
            latest = entry
    return found


def overlapping_count(entry: TimeEntry) -> int:
    """Return how many other timed entries of the freelancer overlap ``entry``."""
    if not (entry.started_at and entry.ended_at):
        return 0
    return (
        TimeEntry.objects.filter(
            owner_id=entry.owner_id,
            started_at__lt=entry.ended_at,
            ended_at__gt=entry.started_at,
            work_on__gte=entry.work_on - datetime.timedelta(days=1),
            work_on__lte=entry.work_on + datetime.timedelta(days=1),
        )
        .exclude(pk=entry.pk)
        .count()
    )


@dataclass
class CellChange:
    """A typed cell of the week grid: the project, the day, the new duration."""

    project: Project
    day: datetime.date
    seconds: int | None  # None or 0: empty the cell


def week_cells_save(*, user: Any, changes: list[CellChange]) -> int:
    """Set the hours of week-grid cells; return how many entries changed.

    A cell is editable while it holds nothing, or one entry typed as a duration that is on no
    invoice: typing sets that entry's duration, emptying the cell deletes it. Cells with timed
    or several entries are read-only (the view shows them as such). All or nothing.
    """
    changed = 0
    with transaction.atomic():
        for change in changes:
            rows = list(
                TimeEntry.objects.select_for_update()
                .filter(owner_id=user.pk, project=change.project, work_on=change.day)
                .order_by("pk")
            )
            editable = not rows or (
                len(rows) == 1 and rows[0].started_at is None and rows[0].invoice_id is None
            )
            if not editable:
                raise TimeError(
                    _("%(project)s on %(day)s has timed or billed entries: edit them one by one.")
                    % {"project": change.project.title, "day": change.day.isoformat()}
                )
            if rows and not change.seconds:
                rows[0].delete()
                changed += 1
            elif rows and rows[0].seconds != change.seconds:
                rows[0].seconds = change.seconds
                rows[0].save(update_fields=["seconds", "updated_at"])
                changed += 1
            elif not rows and change.seconds:
                TimeEntry.objects.create(
                    owner_id=user.pk,
                    project=change.project,
                    work_on=change.day,
                    seconds=change.seconds,
                    hourly_rate=rate_for(change.project),
                )
                changed += 1
    return changed
