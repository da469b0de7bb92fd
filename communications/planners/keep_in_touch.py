"""Keep in touch: a draft note some weeks after a client's last project ended.

Key ``keep_in_touch:client:<id>:<ended_on>``. Always a draft: the freelancer decides whether to
write. Only projects that ended within a window after the freelancer's setting (N weeks, then
60 days) are considered, so installing the app does not write to every client of the last ten
years, and a setting of 20 weeks plans as surely as one of 6.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from projects.models import Project

from ..models import CommunicationSettings, Message
from ..rules import Rules
from .base import PLAN_LIMIT, Batch, ZoneGroup, as_text, client_of, key_exists, zone_groups

KEEP_IN_TOUCH_WINDOW_DAYS = 60


def _longest_wait_weeks(group: ZoneGroup) -> int:
    """Return the longest keep-in-touch setting (weeks) among the group's freelancers."""
    longest = CommunicationSettings.objects.filter(group.owner_filter).aggregate(
        weeks=Max("keep_in_touch_weeks")
    )["weeks"]
    return max(longest or 0, Rules.keep_in_touch_weeks)


def keep_in_touch_due(group: ZoneGroup) -> QuerySet[Project]:
    """Return each past client's latest ended project, when no project of theirs is open.

    Only projects that ended within the window after the longest setting in the group are
    considered (each freelancer's own setting is applied per row by the planner).
    """
    today = group.today
    oldest = today - datetime.timedelta(
        weeks=_longest_wait_weeks(group), days=KEEP_IN_TOUCH_WINDOW_DAYS
    )
    siblings = Project.objects.filter(client_id=OuterRef("client_id"))
    later_project = siblings.open() | siblings.filter(ended_on__gt=OuterRef("ended_on"))
    return (
        Project.objects.filter(group.owner_filter)
        .filter(
            ended_on__lte=today - datetime.timedelta(weeks=1),
            ended_on__gte=oldest,
            client__archived_at__isnull=True,
        )
        .filter(~Exists(later_project))
        .filter(
            ~key_exists(
                "keep_in_touch:client:",
                as_text(OuterRef("client_id")),
                ":",
                as_text(OuterRef("ended_on")),
            )
        )
    )


def keep_in_touch_plan(
    *,
    now: datetime.datetime | None = None,
    limit: int = PLAN_LIMIT,
    owner_ids: Iterable[int] | None = None,
) -> int:
    """Draft a keep-in-touch note some weeks after a client's last project ended; safe twice."""
    now = now or timezone.now()
    created = 0
    for group in zone_groups(now, owner_ids=owner_ids):
        projects = list(
            keep_in_touch_due(group)
            .order_by("client_id", "-ended_on", "-pk")
            .select_related("client", "owner__profile")[:limit]
        )
        if not projects:
            continue
        batch = Batch(now, {p.owner_id for p in projects}, ())
        seen: set[int] = set()
        for project in projects:
            rules = batch.rules[project.owner_id]
            weeks = rules.keep_in_touch_weeks
            if (
                project.client_id in seen
                or not weeks
                or project.ended_on > group.today - datetime.timedelta(weeks=weeks)
                or project.ended_on
                < group.today - datetime.timedelta(weeks=weeks, days=KEEP_IN_TOUCH_WINDOW_DAYS)
            ):
                continue
            seen.add(project.client_id)
            client = client_of(project)
            batch.add(
                client=client,
                kind=Message.Kind.KEEP_IN_TOUCH,
                dedupe_key=f"keep_in_touch:client:{client.pk}:{project.ended_on.isoformat()}",
                context=batch.context(client, group.today, project=project),
                automatic=False,
                project=project,
            )
        created += len(batch.save())
    return created
