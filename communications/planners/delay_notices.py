"""Delay notices: tell the client as soon as a milestone slips, with the new expected date.

A milestone slips when its forecast passes its due date, or the due date passes without it
being done. Key ``delay:milestone:<id>:<expected date>``: one notice per slip.

* At once: saving a milestone sends ``projects.events.milestone_changed``; the receiver calls
  ``delay_notice_sync`` after the commit, in the same request, so the draft (or the scheduled
  notice) is on the dashboard when the page reloads. The periodic planner catches the rest
  (a due date that passes undone, a forecast the hours wrote).
* One per slip: a further slip replaces the unsent notice of the earlier one (it is cancelled);
  a return to plan (forecast back, milestone done, project no longer active) withdraws it.
* A notice that was sent stays; a correction follows only when the date moves again. It names
  the date of the notice sent before (``milestone.previous_expected_on``).

A delay notice is urgent: it may break the minimum gap, never quiet hours.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from projects.models import Milestone, Project
from timetracking.forecasts import hours_forecast_ids

from ..context import date_text
from ..models import Message
from ..rules import rules_for
from .base import (
    PLAN_LIMIT,
    Batch,
    ZoneGroup,
    as_text,
    client_of,
    prefix_q,
    zone_groups,
)

KEY_PREFIX = "delay:milestone:"
WITHDRAWN = "Withdrawn: the milestone is back on plan or its date moved again."


def delay_notices_due(group: ZoneGroup) -> QuerySet[Milestone]:
    """Return slipped milestones of active projects that have no notice for this slip yet."""
    expected = Coalesce(OuterRef("forecast_on"), OuterRef("due_on"))
    return (
        Milestone.objects.filter(
            project__status=Project.Status.ACTIVE,
            project__client__archived_at__isnull=True,
        )
        .filter(prefix_q(group.owner_filter, "project__"))
        .slipped(group.today)
        .filter(
            ~Exists(
                Message.objects.filter(
                    owner_id=OuterRef("project__owner_id"),
                    dedupe_key=Concat(
                        Value(KEY_PREFIX),
                        as_text(OuterRef("pk")),
                        Value(":"),
                        as_text(expected),
                        output_field=CharField(),
                    ),
                ).exclude(status=Message.Status.CANCELLED, held_reason=WITHDRAWN)
            )
        )
    )


def delay_key(milestone: Milestone) -> str:
    """Return the dedupe key of the notice for ``milestone``'s current slip."""
    return f"{KEY_PREFIX}{milestone.pk}:{milestone.expected_on.isoformat()}"


def _still_true(today: datetime.date) -> Q:
    """Return the condition under which a pending notice still tells the truth on ``today``:
    its milestone is open, slipped and expected on the date the notice names, and its project
    is active."""
    current_key = Concat(
        Value(KEY_PREFIX),
        as_text("milestone_id"),
        Value(":"),
        as_text(Coalesce("milestone__forecast_on", "milestone__due_on")),
    )
    return (
        Q(milestone__done_on__isnull=True)
        & (Q(milestone__forecast_on__gt=F("milestone__due_on")) | Q(milestone__due_on__lt=today))
        & Q(project__status=Project.Status.ACTIVE)
        & Q(dedupe_key=current_key)
    )


def delay_notices_withdraw(
    notices: QuerySet[Message], today: datetime.date, now: datetime.datetime
) -> int:
    """Cancel the unsent ``notices`` that no longer tell the truth; return how many.

    A further slip (the key names an older date), a return to plan, a milestone done or
    deleted, a project closed: each withdraws the notice nobody has sent yet. Sent notices are
    history and stay. Safe to run twice.
    """
    return (
        notices.filter(kind=Message.Kind.DELAY_NOTICE)
        .exclude(_still_true(today))
        .withdraw(reason=WITHDRAWN, now=now)
    )


def _previous_dates(milestone_ids: list[int]) -> dict[int, datetime.date]:
    """Return, per milestone, the expected date named by its latest *sent* notice."""
    previous: dict[int, datetime.date] = {}
    rows = (
        Message.objects.filter(
            milestone_id__in=milestone_ids,
            kind=Message.Kind.DELAY_NOTICE,
            status__in=[Message.Status.SENT, Message.Status.SENDING, Message.Status.UNCERTAIN],
        )
        .order_by("milestone_id", "created_at")
        .values_list("milestone_id", "dedupe_key")
    )
    for milestone_id, key in rows:
        try:
            previous[milestone_id] = datetime.date.fromisoformat(key.rsplit(":", 1)[1])
        except ValueError:
            continue
    return previous


def _delay_notices_write(
    milestones: list[Milestone], today: datetime.date, now: datetime.datetime
) -> list[Message]:
    """Render and insert a notice for each slipped milestone; return the rows created."""
    batch = Batch(
        now,
        {m.project.owner_id for m in milestones},
        {m.project.client_id for m in milestones},
    )
    # A forecast the hours wrote (timetracking) is an estimate: its notice always waits for
    # the freelancer's approval.
    from_hours = hours_forecast_ids(milestones)
    previous = _previous_dates([m.pk for m in milestones])
    for milestone in milestones:
        project = milestone.project
        client = client_of(project)
        context = batch.context(client, today, project=project, milestone=milestone)
        if milestone.pk in previous:
            context["milestone"]["previous_expected_on"] = date_text(
                previous[milestone.pk], client.language
            )
        batch.add(
            client=client,
            kind=Message.Kind.DELAY_NOTICE,
            dedupe_key=delay_key(milestone),
            context=context,
            automatic=batch.rules_for(client).delay_notice_mode == "auto"
            and milestone.pk not in from_hours,
            project=project,
            milestone=milestone,
        )
    _revive_withdrawn(batch)
    return batch.save()


def _revive_withdrawn(batch: Batch) -> None:
    """Reuse the row of a notice withdrawn earlier for the same date (the dedupe key is taken).

    A slip to the 20th, then the 28th, then back to the 20th: the first notice was withdrawn;
    it is written again with today's text instead of being skipped as "exists".
    """
    keys = {(m.owner_id, m.dedupe_key): m for m in batch.messages}
    withdrawn = Message.objects.filter(
        kind=Message.Kind.DELAY_NOTICE,
        status=Message.Status.CANCELLED,
        held_reason=WITHDRAWN,
        dedupe_key__in=[key for _owner, key in keys],
    )
    for row in withdrawn:
        fresh = keys.get((row.owner_id, row.dedupe_key))
        if fresh is None:
            continue
        Message.objects.filter(pk=row.pk, status=Message.Status.CANCELLED).update(
            status=fresh.status,
            send_after=fresh.send_after,
            subject=fresh.subject,
            body_text=fresh.body_text,
            body_html=fresh.body_html,
            held_reason=fresh.held_reason,
            to=fresh.to,
            updated_at=batch.now,
        )
        batch.messages.remove(fresh)


def delay_notices_plan(
    *,
    now: datetime.datetime | None = None,
    limit: int = PLAN_LIMIT,
    owner_ids: Iterable[int] | None = None,
) -> int:
    """Withdraw notices that are no longer true, then plan one per new slip; return how many
    were created. Safe to run twice."""
    now = now or timezone.now()
    created = 0
    for group in zone_groups(now, owner_ids=owner_ids):
        delay_notices_withdraw(Message.objects.filter(group.owner_filter), group.today, now)
        milestones = list(
            delay_notices_due(group).select_related("project__client", "project__owner__profile")[
                :limit
            ]
        )
        if milestones:
            created += len(_delay_notices_write(milestones, group.today, now))
    return created


def delay_notice_sync(*, milestone_id: int, now: datetime.datetime | None = None) -> Message | None:
    """Bring one milestone's delay notice in line with its dates, at once (after a save).

    Withdraws an unsent notice that is no longer true and plans the notice of the current slip;
    returns that notice (new or existing), or None when the milestone is on plan. Safe to run
    twice.
    """
    now = now or timezone.now()
    milestone = (
        Milestone.objects.filter(pk=milestone_id)
        .select_related("project__client", "project__owner__profile")
        .first()
    )
    if milestone is None:
        return None
    project = milestone.project
    today = rules_for(project.owner_id).local_date(now)
    delay_notices_withdraw(
        Message.objects.filter(owner_id=project.owner_id, milestone_id=milestone.pk), today, now
    )
    slipped = (
        project.status == Project.Status.ACTIVE
        and project.client.archived_at is None
        and Milestone.objects.filter(pk=milestone.pk).slipped(today).exists()
    )
    if not slipped:
        return None
    _delay_notices_write([milestone], today, now)
    return Message.objects.filter(
        owner_id=project.owner_id, dedupe_key=delay_key(milestone)
    ).first()
