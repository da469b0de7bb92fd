"""Status updates: one per active project on the weekday and cadence agreed for it.

Key ``status:project:<id>:<date>``. *News* is any change since the last update the client
would care about (``_news``): a milestone done, slipped (its dates moved, or its due date
passed undone) or back on track, a change request accepted or declined, a revision round used,
an offer sent or accepted, an invoice issued or paid. The text names every milestone at risk or
late and what happens next; it never says the work runs to plan while one is. The first update
of a project is worded as the first. An update with nothing new is written as a cancelled row
saying it was skipped, or as a draft, per the freelancer's setting, so the planner does not try
again that day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet
from django.utils import timezone

from clients.models import Cadence
from crm.models import AuditEntry
from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project, RevisionRound

from ..context import change_request_context, invoice_context, milestone_context, offer_context
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


def _milestones_of(project_ids: list[int]) -> dict[int, list[Milestone]]:
    """Return each project's milestones (one query)."""
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(project_id__in=project_ids):
        milestones[milestone.project_id].append(milestone)
    return milestones


def _waiting_offers(project_ids: list[int]) -> dict[int, list[str]]:
    """Return the numbers of each project's offers that wait for the client's answer."""
    waiting: dict[int, list[str]] = defaultdict(list)
    for project_id, number in Offer.objects.filter(
        project_id__in=project_ids, status=Offer.Status.SENT
    ).values_list("project_id", "number"):
        waiting[project_id].append(number)
    return waiting


def _needed_from_client(numbers: list[str], language: str) -> list[str]:
    """Return what the client is asked for: the approval of each waiting offer."""
    wording = "Freigabe des Angebots {}" if language == "de" else "Approval of offer {}"
    return [wording.format(number) for number in numbers]


class _Events:
    """What happened to the projects of one run, loaded in a fixed number of queries."""

    def __init__(self, project_ids: list[int], since: datetime.datetime) -> None:
        self.moved: dict[int, list[tuple[datetime.datetime, str]]] = defaultdict(list)
        for project_id, changes, when in AuditEntry.objects.filter(
            object_type="projects.project",
            object_id__in=[str(pk) for pk in project_ids],
            occurred_at__gt=since,
        ).values_list("object_id", "changes", "occurred_at"):
            if "milestone.forecast_on" in changes or "milestone.due_on" in changes:
                self.moved[int(project_id)].append((when, str(changes.get("milestone", ""))))
        self.changes = defaultdict(list)
        for change in ChangeRequest.objects.filter(
            project_id__in=project_ids, decided_at__gt=since
        ).order_by("decided_at"):
            self.changes[change.project_id].append(change)
        self.revisions = defaultdict(list)
        for revision in RevisionRound.objects.filter(project_id__in=project_ids):
            self.revisions[revision.project_id].append(revision)
        self.offers = defaultdict(list)
        for offer in Offer.objects.filter(project_id__in=project_ids).filter(
            Q(sent_at__gt=since) | Q(accepted_at__gt=since)
        ):
            self.offers[offer.project_id].append(offer)
        self.invoices = defaultdict(list)
        for invoice in Invoice.objects.filter(project_id__in=project_ids).filter(
            Q(issued_on__isnull=False) & (Q(created_at__gt=since) | Q(updated_at__gt=since))
        ):
            self.invoices[invoice.project_id].append(invoice)


def _milestones_moved(
    milestones: list[Milestone],
    moved_titles: set[str],
    since_date: datetime.date,
    today: datetime.date,
    language: str,
) -> tuple[list[dict], list[dict]]:
    """Return the open milestones now at risk or late (moved, or late since ``since_date``)
    and those moved back on track."""
    moved, back = [], []
    for m in milestones:
        if m.done_on:
            continue
        state = m.state_on(today)
        became_late = since_date <= m.due_on < today
        if state in {Milestone.State.AT_RISK, Milestone.State.LATE} and (
            m.title in moved_titles or became_late
        ):
            moved.append(milestone_context(m, language, today))
        elif state == Milestone.State.ON_TRACK and m.title in moved_titles:
            back.append(milestone_context(m, language, today))
    return moved, back


def _news(
    *,
    project: Project,
    milestones: list[Milestone],
    events: _Events,
    since: datetime.datetime,
    since_date: datetime.date,
    today: datetime.date,
    language: str,
) -> dict[str, Any]:
    """Return what changed for ``project`` since ``since`` that the client would care about."""
    moved_titles = {title for when, title in events.moved[project.pk] if when > since}
    moved, back = _milestones_moved(milestones, moved_titles, since_date, today, language)
    changes = [c for c in events.changes[project.pk] if c.decided_at > since]
    revisions = events.revisions[project.pk]
    new_revisions = [r for r in revisions if r.created_at > since]
    offers = events.offers[project.pk]
    invoices = [i for i in events.invoices[project.pk] if i.status != "cancelled"]
    return {
        "milestones_moved": moved,
        "milestones_back": back,
        "changes_accepted": [
            change_request_context(c, language)
            for c in changes
            if c.status == ChangeRequest.Status.ACCEPTED
        ],
        "changes_declined": [
            change_request_context(c, language)
            for c in changes
            if c.status == ChangeRequest.Status.DECLINED
        ],
        "revisions_new": len(new_revisions),
        "revisions_used": len(revisions),
        "revisions_agreed": project.revisions_agreed,
        "offers_sent": [
            offer_context(o, language)
            for o in offers
            if o.sent_at and o.sent_at > since and o.status == Offer.Status.SENT
        ],
        "offers_accepted": [
            offer_context(o, language) for o in offers if o.accepted_at and o.accepted_at > since
        ],
        "invoices_issued": [
            invoice_context(i, language, today)
            for i in invoices
            if i.issued_on > since_date and not i.paid_on
        ],
        "invoices_paid": [
            invoice_context(i, language, today)
            for i in invoices
            if i.paid_on and i.paid_on > since_date
        ],
    }


def _milestone_sets(
    milestones: list[Milestone], since_date: datetime.date, today: datetime.date
) -> tuple[list[Milestone], list[Milestone], list[Milestone]]:
    """Return the milestones done since ``since_date``, the next three open ones and those at
    risk or late."""
    done = [m for m in milestones if m.done_on and m.done_on > since_date]
    upcoming = sorted((m for m in milestones if not m.done_on), key=lambda m: m.expected_on)[:3]
    at_risk = [
        m
        for m in milestones
        if m.state_on(today) in {Milestone.State.AT_RISK, Milestone.State.LATE}
    ]
    return done, upcoming, at_risk


# News entries that are numbers, not lists: only ``revisions_new`` counts as news.
_COUNTS = frozenset({"revisions_new", "revisions_used", "revisions_agreed"})


def _has_news(news: dict[str, Any], *, is_first: bool, done: list[Milestone]) -> bool:
    """Return whether the update has something to tell: the first one always does."""
    return (
        is_first
        or bool(done)
        or any(value for key, value in news.items() if key not in _COUNTS)
        or bool(news["revisions_new"])
    )


def _status_updates_write(
    projects: list[Project], today: datetime.date, now: datetime.datetime
) -> int:
    """Render and insert the updates of ``projects``; return how many rows were created."""
    project_ids = [project.pk for project in projects]
    last_update = _last_updates(project_ids)
    milestones = _milestones_of(project_ids)
    waiting_offers = _waiting_offers(project_ids)
    first_contact = now - datetime.timedelta(days=7)
    events = _Events(project_ids, min([*last_update.values(), first_contact]))

    batch = Batch(now, {p.owner_id for p in projects}, {p.client_id for p in projects})
    for project in projects:
        client = client_of(project)
        rules = batch.rules_for(client)
        last = last_update.get(project.pk)
        is_first = last is None
        since = last or first_contact
        since_date = rules.local_date(since)
        done, upcoming, at_risk = _milestone_sets(milestones[project.pk], since_date, today)
        context = batch.context(
            client,
            today,
            project=project,
            milestones=milestones[project.pk],
            done_milestones=done,
            next_milestones=upcoming,
            needed_from_client=_needed_from_client(waiting_offers[project.pk], client.language),
        )
        news = _news(
            project=project,
            milestones=milestones[project.pk],
            events=events,
            since=since,
            since_date=since_date,
            today=today,
            language=client.language,
        )
        has_news = _has_news(news, is_first=is_first, done=done)
        context.update(
            news=news,
            is_first_update=is_first,
            at_risk_milestones=[milestone_context(m, client.language, today) for m in at_risk],
            has_news=has_news,
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
