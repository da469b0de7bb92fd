"""Status updates: one per active project on the weekday and cadence agreed for it.

Key ``status:project:<id>:<date>``. An update with nothing new since the last one (no milestone
done) is written as a cancelled row saying it was skipped, or as a draft, per the freelancer's
setting, so the planner does not try again that day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max, OuterRef, QuerySet
from django.utils import timezone

from clients.models import Cadence
from projects.models import Milestone, Offer, Project

from ..models import Message
from .base import PLAN_LIMIT, Batch, ZoneGroup, as_text, client_of, key_exists, zone_groups

NOTHING_NEW = "Nothing new since the last update: skipped."


def _cadence_due(today: datetime.date) -> list[str]:
    """Return the cadences whose update falls on ``today`` (its weekday is matched in SQL)."""
    cadences = [Cadence.WEEKLY]
    if today.isocalendar().week % 2 == 0:
        cadences.append(Cadence.BIWEEKLY)
    if today.day <= 7:  # the first such weekday of the month
        cadences.append(Cadence.MONTHLY)
    return cadences


def status_updates_due(group: ZoneGroup) -> QuerySet[Project]:
    """Return the active projects whose status update is due today and not yet planned."""
    today = group.today
    return (
        Project.objects.filter(group.owner_filter)
        .filter(
            status=Project.Status.ACTIVE,
            update_weekday=today.weekday(),
            update_cadence__in=_cadence_due(today),
            client__archived_at__isnull=True,
        )
        .filter(~key_exists("status:project:", as_text(OuterRef("pk")), f":{today.isoformat()}"))
    )


def status_updates_plan(
    *,
    now: datetime.datetime | None = None,
    limit: int = PLAN_LIMIT,
    owner_ids: Iterable[int] | None = None,
) -> int:
    """Plan today's status updates per project cadence; return how many rows were created.

    Safe to run twice: the key ``status:project:<id>:<date>`` exists once per project and day.
    """
    now = now or timezone.now()
    created = 0
    for group in zone_groups(now, owner_ids=owner_ids):
        projects = list(
            status_updates_due(group).select_related("client", "owner__profile")[:limit]
        )
        if projects:
            created += _status_updates_write(projects, group.today, now)
    return created


def _last_updates(project_ids: list[int]) -> dict[int, datetime.datetime]:
    """Return when each project's last status update was written (sent, due or drafted)."""
    return dict(
        Message.objects.filter(
            project_id__in=project_ids,
            kind=Message.Kind.STATUS_UPDATE,
            status__in=[
                Message.Status.SENT,
                Message.Status.SCHEDULED,
                Message.Status.SENDING,
                Message.Status.UNCERTAIN,
                Message.Status.DRAFT,
            ],
        )
        .values("project_id")
        .annotate(last=Max("created_at"))
        .values_list("project_id", "last")
    )


def _waiting_offers(project_ids: list[int]) -> dict[int, list[str]]:
    """Return the numbers of each project's offers that wait for the client's answer."""
    waiting: dict[int, list[str]] = defaultdict(list)
    for project_id, number in Offer.objects.filter(
        project_id__in=project_ids, status=Offer.Status.SENT
    ).values_list("project_id", "number"):
        waiting[project_id].append(number)
    return waiting


def _status_updates_write(
    projects: list[Project], today: datetime.date, now: datetime.datetime
) -> int:
    """Render and insert the updates of ``projects``; return how many rows were created."""
    project_ids = [project.pk for project in projects]
    last_update = _last_updates(project_ids)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(project_id__in=project_ids):
        milestones[milestone.project_id].append(milestone)
    waiting_offers = _waiting_offers(project_ids)

    batch = Batch(now, {p.owner_id for p in projects}, {p.client_id for p in projects})
    for project in projects:
        client = client_of(project)
        rules = batch.rules_for(client)
        since = last_update.get(project.pk)
        since_date = rules.local_date(since) if since else today - datetime.timedelta(days=7)
        done = [m for m in milestones[project.pk] if m.done_on and m.done_on > since_date]
        upcoming = sorted(
            (m for m in milestones[project.pk] if not m.done_on), key=lambda m: m.expected_on
        )[:3]
        needs = [
            (
                "Freigabe des Angebots {}" if client.language == "de" else "Approval of offer {}"
            ).format(number)
            for number in waiting_offers[project.pk]
        ]
        has_news = bool(done) or since is None
        context = batch.context(
            client,
            today,
            project=project,
            milestones=milestones[project.pk],
            done_milestones=done,
            next_milestones=upcoming,
            needed_from_client=needs,
        )
        skip = not has_news and rules.nothing_new == "skip"
        batch.add(
            client=client,
            kind=Message.Kind.STATUS_UPDATE,
            dedupe_key=f"status:project:{project.pk}:{today.isoformat()}",
            context=context,
            automatic=has_news and rules.status_update_mode == "auto",
            cancelled=skip,
            held_reason=NOTHING_NEW if skip else "",
            project=project,
        )
    return len(batch.save())
