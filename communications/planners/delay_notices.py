"""Delay notices: tell the client as soon as a milestone slips, with the new expected date.

A milestone slips when its forecast passes its due date, or the due date passes without it
being done. Key ``delay:milestone:<id>:<expected date>``: a later forecast is a new slip and
gets a new notice. A delay notice is urgent: it may break the minimum gap, never quiet hours.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import Milestone, Project

from ..models import Message
from .base import (
    PLAN_LIMIT,
    Batch,
    ZoneGroup,
    as_text,
    client_of,
    key_exists,
    prefix_q,
    zone_groups,
)


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
            ~key_exists(
                "delay:milestone:",
                as_text(OuterRef("pk")),
                ":",
                as_text(expected),
                owner="project__owner_id",
            )
        )
    )


def delay_key(milestone: Milestone) -> str:
    """Return the dedupe key of the notice for ``milestone``'s current slip."""
    return f"delay:milestone:{milestone.pk}:{milestone.expected_on.isoformat()}"


def delay_notices_plan(
    *,
    now: datetime.datetime | None = None,
    limit: int = PLAN_LIMIT,
    owner_ids: Iterable[int] | None = None,
) -> int:
    """Plan a delay notice per slip (key ``delay:milestone:<id>:<expected date>``).

    Safe to run twice; a later forecast is a new slip and gets a new notice.
    """
    now = now or timezone.now()
    created = 0
    for group in zone_groups(now, owner_ids=owner_ids):
        milestones = list(
            delay_notices_due(group).select_related("project__client", "project__owner__profile")[
                :limit
            ]
        )
        if not milestones:
            continue
        batch = Batch(
            now,
            {m.project.owner_id for m in milestones},
            {m.project.client_id for m in milestones},
        )
        for milestone in milestones:
            project = milestone.project
            client = client_of(project)
            batch.add(
                client=client,
                kind=Message.Kind.DELAY_NOTICE,
                dedupe_key=delay_key(milestone),
                context=batch.context(client, group.today, project=project, milestone=milestone),
                automatic=batch.rules_for(client).delay_notice_mode == "auto",
                project=project,
                milestone=milestone,
            )
        created += len(batch.save())
    return created
