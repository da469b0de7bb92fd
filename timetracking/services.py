"""Services of time tracking: the timer, time entries, the week grid, expenses, settings and
turning out-of-scope time into a change request.

Views, tasks, demo data and tests call these functions. A rule that is broken raises
``TimeError`` with a message fit for the freelancer's eyes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import ChangeRequest, Milestone, Project, ScopeItem
from projects.services.change_requests import change_request_log

from . import clock, forecasts
from .models import (
    CENT,
    ClientRate,
    Expense,
    ProjectTimeSettings,
    TimeEntry,
    Timer,
    TimeSettings,
)
from .wording import date_text, number_text


class TimeError(Exception):
    """A rule of time tracking said no; the message is shown to the freelancer as it is."""


# ---------------------------------------------------------------------------------------------
# Settings and rates


def settings_for(user: Any) -> TimeSettings:
    """Return the freelancer's time settings (unsaved defaults when there are none yet)."""
    found = TimeSettings.objects.filter(owner_id=user.pk).first()
    return found or TimeSettings(owner_id=user.pk)


def settings_save(*, settings: TimeSettings) -> TimeSettings:
    """Save the time settings, creating the row on first use. Safe to run twice."""
    with transaction.atomic():
        existing = (
            TimeSettings.objects.select_for_update().filter(owner_id=settings.owner_id).first()
        )
        if existing is not None:
            settings.pk = existing.pk
            settings.created_at = existing.created_at
        settings.save()
    return settings


def rate_for(project: Project) -> Decimal | None:
    """Return the hourly rate for new time on ``project``: the project's, else the client's,
    else the freelancer's default (None when nobody set one)."""
    if project.hourly_rate is not None:
        return project.hourly_rate
    client_rate = (
        ClientRate.objects.filter(client_id=project.client_id)
        .values_list("hourly_rate", flat=True)
        .first()
    )
    if client_rate is not None:
        return client_rate
    return (
        TimeSettings.objects.filter(owner_id=project.owner_id)
        .values_list("hourly_rate", flat=True)
        .first()
    )


def client_rate_set(*, owner: Any, client: Any, hourly_rate: Decimal | None) -> None:
    """Set (or, with None, remove) the hourly rate agreed with ``client``. Safe to run twice."""
    if hourly_rate is None:
        ClientRate.objects.filter(owner=owner, client=client).delete()
        return
    ClientRate.objects.update_or_create(
        client=client, defaults={"owner": owner, "hourly_rate": hourly_rate}
    )


def project_settings_for(project: Project) -> ProjectTimeSettings:
    """Return the project's time settings (unsaved defaults when there are none yet)."""
    found = ProjectTimeSettings.objects.filter(project_id=project.pk).first()
    return found or ProjectTimeSettings(project=project, owner_id=project.owner_id)


def project_hours_in_portal_set(*, project: Project, shown: bool) -> ProjectTimeSettings:
    """Show or hide the hours in the project's client portal. Safe to run twice."""
    row, _created = ProjectTimeSettings.objects.update_or_create(
        project=project, defaults={"owner_id": project.owner_id, "hours_in_portal": shown}
    )
    return row


# ---------------------------------------------------------------------------------------------
# The timer


def timer_running(user: Any) -> Timer | None:
    """Return the freelancer's running timer with its project and client, or None."""
    return (
        Timer.objects.filter(owner_id=user.pk)
        .select_related("project__client", "milestone")
        .first()
    )


@dataclass
class TimerStart:
    timer: Timer
    stopped: TimeEntry | None  # the entry of a timer that was running on other work
    already_running: bool  # the same work was running already (a second tab, a double click)


def _check_parts(
    project: Project, milestone: Milestone | None, scope_item: ScopeItem | None
) -> None:
    if milestone is not None and milestone.project_id != project.pk:
        raise TimeError(_("The milestone belongs to another project."))
    if scope_item is not None and scope_item.project_id != project.pk:
        raise TimeError(_("The scope item belongs to another project."))


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
    _check_parts(project, milestone, scope_item)
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


def milestones_touched(*milestone_ids: int | None) -> None:
    """Re-check the forecast from hours of the milestones whose booked time changed."""
    ids = {pk for pk in milestone_ids if pk}
    if ids:
        forecasts.forecasts_refresh(milestone_ids=ids)


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


# ---------------------------------------------------------------------------------------------
# Time entries


def entry_create(*, entry: TimeEntry, actor: Any) -> TimeEntry:
    """Save a new manual entry with the current rate (owner = actor). Not idempotent."""
    _check_parts(entry.project, entry.milestone, entry.scope_item)
    _check_span(entry)
    entry.owner_id = actor.pk
    if entry.hourly_rate is None:
        entry.hourly_rate = rate_for(entry.project)
    entry.save()
    milestones_touched(entry.milestone_id)
    return entry


def _check_span(entry: TimeEntry) -> None:
    if entry.started_at and entry.ended_at:
        entry.seconds = clock.elapsed_seconds(entry.started_at, entry.ended_at)
    if not entry.seconds or entry.seconds <= 0:
        raise TimeError(_("A duration must be more than zero."))


def entry_update(*, entry: TimeEntry, actor: Any) -> TimeEntry:
    """Save an edited entry; an entry on an invoice is locked. The rate stays the entry's own,
    unless the project changed (then the new project's rate applies). Safe to run twice."""
    with transaction.atomic():
        stored = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        _refuse_locked(stored)
        _check_parts(entry.project, entry.milestone, entry.scope_item)
        _check_span(entry)
        if stored.project_id != entry.project_id:
            entry.hourly_rate = rate_for(entry.project)
        entry.invoice_id, entry.billed_at = stored.invoice_id, stored.billed_at
        entry.save()
        milestones_touched(stored.milestone_id, entry.milestone_id)
    return entry


def _refuse_locked(entry: TimeEntry | Expense) -> None:
    if entry.invoice_id is None:
        return
    from projects.models import Invoice

    invoice = Invoice.objects.filter(pk=entry.invoice_id).only("number", "status").first()
    if invoice is not None and invoice.status == Invoice.Status.DRAFT:
        raise TimeError(
            _("This is on a draft invoice. Delete the draft to change it, or issue it as it is.")
        )
    raise TimeError(
        _("This is billed on invoice %(number)s and locked. Cancel that invoice to change it.")
        % {"number": getattr(invoice, "number", "")}
    )


def entry_delete(*, entry: TimeEntry, actor: Any) -> None:
    """Delete an entry that is on no invoice."""
    with transaction.atomic():
        stored = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        _refuse_locked(stored)
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


# ---------------------------------------------------------------------------------------------
# The week grid


@dataclass
class CellChange:
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


# ---------------------------------------------------------------------------------------------
# Out of scope: a change request from the hours


def flagged_entries(project: Project) -> QuerySet[TimeEntry]:
    """Return the project's out-of-scope time that is not yet part of a change request."""
    from django.db.models import Q

    return TimeEntry.objects.filter(project=project, change_request__isnull=True).filter(
        Q(is_out_of_scope=True) | Q(scope_item__is_in_scope=False)
    )


def change_request_from_time(
    *, project: Project, actor: Any, today: datetime.date | None = None
) -> ChangeRequest:
    """Turn the project's flagged out-of-scope time into a change request, prefilled with the
    hours and their price (hours x each entry's rate). The entries are linked to it and are
    never billed as time again (the change request prices them). Not idempotent: a second call
    finds no flagged time and raises TimeError."""
    today = today or timezone.localdate()
    with transaction.atomic():
        entries = list(
            flagged_entries(project)
            .filter(invoice__isnull=True)
            .select_for_update(of=("self",))
            .select_related("scope_item")
            .order_by("work_on", "pk")
        )
        if not entries:
            raise TimeError(_("There is no time outside the scope to turn into a change request."))
        seconds = sum(entry.seconds for entry in entries)
        hours = (Decimal(seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
        fallback = rate_for(project) or Decimal(0)
        price = sum(
            (
                (Decimal(entry.seconds) / 3600 * (entry.hourly_rate or fallback))
                for entry in entries
            ),
            Decimal(0),
        ).quantize(CENT, rounding=ROUND_HALF_UP)
        german = project.client.language == "de"
        language = project.client.language
        lines = [
            f"- {date_text(entry.work_on, language)}: {entry.description or '–'} "
            f"({number_text(entry.hours, language)} h)"
            for entry in entries[:50]
        ]
        titles = {entry.description for entry in entries if entry.description}
        topic = next(iter(sorted(titles)), "") if len(titles) == 1 else ""
        title = (
            (f"Zusatzaufwand: {topic}" if topic else "Zusatzaufwand außerhalb des Leistungsumfangs")
            if german
            else (f"Extra work: {topic}" if topic else "Extra work outside the agreed scope")
        )
        intro = (
            f"{number_text(hours, language)} Stunden außerhalb des vereinbarten Leistungsumfangs:"
            if german
            else f"{hours} hours outside the agreed scope:"
        )
        change_request = ChangeRequest(
            project=project,
            title=title[:200],
            description="\n".join([intro, *lines])[:10_000],
            requested_on=today,
            price=price,
        )
        change_request_log(change_request=change_request, actor=actor)
        TimeEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update_of_owner(
            project.owner_id, change_request=change_request
        )
    return change_request


# ---------------------------------------------------------------------------------------------
# Expenses


def expense_save(*, expense: Expense, actor: Any) -> Expense:
    """Save a new or edited expense (owner = actor); one on an invoice is locked."""
    with transaction.atomic():
        if expense.pk:
            stored = Expense.objects.select_for_update().get(pk=expense.pk)
            _refuse_locked(stored)
            expense.invoice_id, expense.billed_at = stored.invoice_id, stored.billed_at
        else:
            expense.owner_id = actor.pk
        expense.save()
    return expense


def expense_delete(*, expense: Expense, actor: Any) -> None:
    """Delete an expense that is on no invoice, with its receipt file (after the commit)."""
    with transaction.atomic():
        stored = Expense.objects.select_for_update().get(pk=expense.pk)
        _refuse_locked(stored)
        receipt = stored.receipt
        stored.delete()
        if receipt:
            name, storage = receipt.name, receipt.storage
            transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------------------------------------
# Figures


def hours_of(queryset: QuerySet[TimeEntry]) -> Decimal:
    """Return the hours of the entries (to the hundredth)."""
    seconds = queryset.aggregate(total=Sum("seconds"))["total"] or 0
    return (Decimal(seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
