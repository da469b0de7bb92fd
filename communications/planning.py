"""Planners: decide what should be said and write it to the outbox as draft or scheduled rows.

Each planner is a plain function of ``now``, called by the periodic task ``plan_messages``. Each
is idempotent and safe to overlap: it selects only the rows whose dedupe key does not exist yet
(an index-backed NOT EXISTS), and the unique (owner, dedupe_key) constraint turns a race between
two planners into one row (``bulk_create(ignore_conflicts=True)``). Work per run is capped
(``limit``), so a backlog is worked off over a few runs instead of in one long transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    CharField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from clients.models import Cadence, Client
from crm.models import Profile
from projects.models import Milestone, Offer, Project
from timetracking.forecasts import hours_forecast_ids

from .context import freelancer_context, message_context
from .models import ROUTINE_KINDS, Activity, Message
from .rendering import Rendered, message_render, overrides_for, sources_for
from .rules import DEFAULT_TIME_ZONE, Rules, client_overrides, rules_for_owners, send_time

PLAN_LIMIT = 1000


@dataclass(frozen=True)
class ZoneGroup:
    """Freelancers who share a time zone, and what day it is for them."""

    owner_filter: Q
    today: datetime.date


def zone_groups(
    now: datetime.datetime, owner_path: str = "owner", owner_ids: Iterable[int] | None = None
) -> list[ZoneGroup]:
    """Return one group per time zone in use (freelancers without a profile: the default).

    ``owner_ids`` narrows planning to some freelancers (demo data, tests); None means all.
    """
    import zoneinfo

    zones = set(Profile.objects.values_list("time_zone", flat=True).distinct()) | {
        DEFAULT_TIME_ZONE
    }
    groups = []
    for zone in sorted(zones):
        try:
            today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        owner_filter = Q(**{f"{owner_path}__profile__time_zone": zone})
        if zone == DEFAULT_TIME_ZONE:
            owner_filter |= Q(**{f"{owner_path}__profile__isnull": True})
        if owner_ids is not None:
            owner_filter &= Q(**{f"{owner_path}__in": list(owner_ids)})
        groups.append(ZoneGroup(owner_filter, today))
    return groups


def _key_exists(prefix: str, *parts: Any) -> Exists:
    """Return EXISTS(a message of the same owner with the dedupe key prefix + parts)."""
    key = Concat(Value(prefix), *parts, output_field=CharField())
    return Exists(Message.objects.filter(owner_id=OuterRef("owner_id"), dedupe_key=key))


def _text(expr: Any) -> Cast:
    return Cast(expr, output_field=CharField())


def last_contacts(client_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """Return each client's last message moment (sent, or scheduled to go) in one query."""
    rows = (
        Message.objects.filter(
            client_id__in=list(client_ids),
            status__in=[
                Message.Status.SENT,
                Message.Status.SCHEDULED,
                Message.Status.SENDING,
                Message.Status.UNCERTAIN,
            ],
        )
        .values("client_id")
        .annotate(last=Max(Coalesce("sent_at", "send_after")))
    )
    return {row["client_id"]: row["last"] for row in rows if row["last"]}


class Batch:
    """Messages planned in one run: renders them, spaces them per client, inserts in bulk."""

    def __init__(self, now: datetime.datetime, owner_ids: Iterable[int], client_ids: Iterable[int]):
        owner_ids, client_ids = set(owner_ids), set(client_ids)
        self.now = now
        self.rules = rules_for_owners(owner_ids)
        self.overrides = overrides_for(owner_ids)
        self.client_rules = client_overrides(client_ids)
        self.contacts = last_contacts(client_ids)
        self.freelancers: dict[int, dict[str, Any]] = {}
        self.messages: list[Message] = []

    def rules_for(self, client: Client) -> Rules:
        return self.rules[client.owner_id].with_client(self.client_rules.get(client.pk))

    def freelancer(self, client: Client) -> dict[str, Any]:
        if client.owner_id not in self.freelancers:
            self.freelancers[client.owner_id] = freelancer_context(client.owner)
        return self.freelancers[client.owner_id]

    def render(self, client: Client, kind: str, context: dict[str, Any]) -> Rendered:
        return message_render(
            owner_id=client.owner_id,
            kind=kind,
            language=client.tone.language,
            form=client.tone.form,
            context=context,
            sources=sources_for(client.owner_id, self.overrides),
        )

    def add(
        self,
        *,
        client: Client,
        kind: str,
        dedupe_key: str,
        context: dict[str, Any],
        automatic: bool,
        held_reason: str = "",
        cancelled: bool = False,
        **links: Any,
    ) -> Message:
        """Queue one message: scheduled at the next allowed moment if automatic, else a draft."""
        rendered = self.render(client, kind, context)
        status = Message.Status.DRAFT
        send_after = None
        if cancelled:
            status = Message.Status.CANCELLED
        elif automatic:
            rules = self.rules_for(client)
            send_after = send_time(
                rules=rules,
                now=self.now,
                last_contact_at=self.contacts.get(client.pk),
                urgent=kind not in ROUTINE_KINDS,
            )
            self.contacts[client.pk] = max(send_after, self.contacts.get(client.pk, send_after))
            status = Message.Status.SCHEDULED
            if not client.email:
                status = Message.Status.HELD
                held_reason = str(NO_EMAIL_REASON)
        message = Message(
            owner_id=client.owner_id,
            client=client,
            kind=kind,
            dedupe_key=dedupe_key,
            to=client.email,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            status=status,
            send_after=send_after,
            held_reason=held_reason,
            **links,
        )
        self.messages.append(message)
        return message

    def save(self) -> list[Message]:
        """Insert the queued messages; return those this run created (with their timeline)."""
        return messages_bulk_insert(self.messages)


NO_EMAIL_REASON = "The client has no e-mail address. Add one, then release the message."


def messages_bulk_insert(messages: list[Message]) -> list[Message]:
    """Insert messages, skipping existing dedupe keys; record a timeline entry for new ones.

    Safe to run twice and to race: the unique (owner, dedupe_key) constraint keeps one row per
    key, and the unique (message) constraint on timeline entries keeps one entry per message.
    """
    if not messages:
        return []
    Message.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    keys_by_owner: dict[int, list[str]] = defaultdict(list)
    for message in messages:
        keys_by_owner[message.owner_id].append(message.dedupe_key)
    condition = Q()
    for owner_id, keys in keys_by_owner.items():
        condition |= Q(owner_id=owner_id, dedupe_key__in=keys)
    created = list(
        Message.objects.filter(condition)
        .filter(~Exists(Activity.objects.filter(message_id=OuterRef("pk"))))
        .only("pk", "owner_id", "client_id", "subject", "project_id", "created_at", "sent_at")
    )
    Activity.objects.bulk_create(
        [
            Activity(
                owner_id=message.owner_id,
                client_id=message.client_id,
                kind=Activity.Kind.MESSAGE,
                # Backfilled history (imports, demo data) is placed when it was sent.
                occurred_at=message.sent_at or message.created_at,
                summary=message.subject[:300],
                message_id=message.pk,
                project_id=message.project_id,
            )
            for message in created
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return created


# ---------------------------------------------------------------- status updates


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
        .filter(
            ~_key_exists("status:project:", _text(OuterRef("pk")), Value(f":{today.isoformat()}"))
        )
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


def _status_updates_write(
    projects: list[Project], today: datetime.date, now: datetime.datetime
) -> int:
    project_ids = [project.pk for project in projects]
    last_update = dict(
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
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(project_id__in=project_ids):
        milestones[milestone.project_id].append(milestone)
    waiting_offers: dict[int, list[str]] = defaultdict(list)
    for project_id, number in Offer.objects.filter(
        project_id__in=project_ids, status=Offer.Status.SENT
    ).values_list("project_id", "number"):
        waiting_offers[project_id].append(number)

    batch = Batch(now, {p.owner_id for p in projects}, {p.client_id for p in projects})
    for project in projects:
        client = project.client
        client.owner = project.owner
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
        context = message_context(
            client=client,
            today=today,
            freelancer=batch.freelancer(client),
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
            held_reason="Nothing new since the last update: skipped." if skip else "",
            project=project,
        )
    return len(batch.save())


# ---------------------------------------------------------------- delay notices


def delay_notices_due(group: ZoneGroup) -> QuerySet[Milestone]:
    """Return slipped milestones of active projects that have no notice for this slip yet."""
    expected = Coalesce(OuterRef("forecast_on"), OuterRef("due_on"))
    return (
        Milestone.objects.filter(
            project__status=Project.Status.ACTIVE,
            project__client__archived_at__isnull=True,
        )
        .filter(_prefix_q(group.owner_filter, "project__"))
        .slipped(group.today)
        .filter(
            ~Exists(
                Message.objects.filter(
                    owner_id=OuterRef("project__owner_id"),
                    dedupe_key=Concat(
                        Value("delay:milestone:"),
                        _text(OuterRef("pk")),
                        Value(":"),
                        _text(expected),
                        output_field=CharField(),
                    ),
                )
            )
        )
    )


def _prefix_q(q: Q, prefix: str) -> Q:
    """Return ``q`` with every lookup prefixed (``owner__...`` -> ``project__owner__...``)."""
    result = Q()
    result.connector, result.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            result.children.append(_prefix_q(child, prefix))
        else:
            result.children.append((prefix + child[0], child[1]))
    return result


def delay_key(milestone: Milestone) -> str:
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
        # A forecast the hours wrote (timetracking) is an estimate: its notice always waits
        # for the freelancer's approval.
        from_hours = hours_forecast_ids(milestones)
        for milestone in milestones:
            project = milestone.project
            client = project.client
            client.owner = project.owner
            context = message_context(
                client=client,
                today=group.today,
                freelancer=batch.freelancer(client),
                project=project,
                milestone=milestone,
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
        created += len(batch.save())
    return created


# ---------------------------------------------------------------- keep in touch

KEEP_IN_TOUCH_WINDOW_DAYS = 60
OPEN_PROJECT_STATUSES = [
    Project.Status.LEAD,
    Project.Status.OFFERED,
    Project.Status.ACTIVE,
    Project.Status.ON_HOLD,
]


def keep_in_touch_due(group: ZoneGroup) -> QuerySet[Project]:
    """Return each past client's latest ended project, when no project of theirs is open.

    Only projects that ended within a window are considered, so installing the app does not
    write to every client of the last ten years.
    """
    today = group.today
    later_project = Project.objects.filter(client_id=OuterRef("client_id")).filter(
        Q(status__in=OPEN_PROJECT_STATUSES) | Q(ended_on__gt=OuterRef("ended_on"))
    )
    return (
        Project.objects.filter(group.owner_filter)
        .filter(
            ended_on__lte=today - datetime.timedelta(weeks=1),
            ended_on__gte=today - datetime.timedelta(weeks=6, days=KEEP_IN_TOUCH_WINDOW_DAYS),
            client__archived_at__isnull=True,
        )
        .filter(~Exists(later_project))
        .filter(
            ~_key_exists(
                "keep_in_touch:client:",
                _text(OuterRef("client_id")),
                Value(":"),
                _text(OuterRef("ended_on")),
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
            ):
                continue
            seen.add(project.client_id)
            client = project.client
            client.owner = project.owner
            batch.add(
                client=client,
                kind=Message.Kind.KEEP_IN_TOUCH,
                dedupe_key=f"keep_in_touch:client:{client.pk}:{project.ended_on.isoformat()}",
                context=message_context(
                    client=client,
                    today=group.today,
                    freelancer=batch.freelancer(client),
                    project=project,
                ),
                automatic=False,
                project=project,
            )
        created += len(batch.save())
    return created


def messages_plan(
    *, now: datetime.datetime | None = None, owner_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Run every planner once; return rows created per planner. Safe to run twice and overlap."""
    from .reminders import reminders_plan

    now = now or timezone.now()
    return {
        "delay_notices": delay_notices_plan(now=now, owner_ids=owner_ids),
        "reminders": reminders_plan(now=now, owner_ids=owner_ids),
        "status_updates": status_updates_plan(now=now, owner_ids=owner_ids),
        "keep_in_touch": keep_in_touch_plan(now=now, owner_ids=owner_ids),
    }
