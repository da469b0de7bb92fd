"""Budget figures: hours booked against the estimates of projects and milestones ("32 of 40
h"), for the project page, the dashboard's 80 % / 100 % notices and the client portal.

Every function is a fixed number of queries, whatever the number of entries.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from crm import freshness
from projects.models import Milestone, Project, ScopeItem

from .billing import hours_from_seconds, project_retainers, retainer_days
from .models import BillingPeriod, ProjectTimeSettings, Retainer, TimeEntry
from .retainers import retainer_month

logger = logging.getLogger(__name__)

WARN_AT = Decimal("0.8")
SECTION_SIZE = 8
OPEN_STATUSES = (Project.Status.ACTIVE, Project.Status.ON_HOLD)


@dataclass
class Budget:
    """Hours booked against an estimate."""

    hours: Decimal
    estimate: Decimal | None

    @property
    def percent(self) -> int:
        if not self.estimate:
            return 0
        return int((self.hours * 100 / self.estimate).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def state(self) -> str:
        """ "over" at 100 %, "warn" at 80 %, else "ok" ("" without an estimate)."""
        if not self.estimate:
            return ""
        if self.hours >= self.estimate:
            return "over"
        if self.hours >= self.estimate * WARN_AT:
            return "warn"
        return "ok"

    @property
    def bar(self) -> int:
        """Return the percentage for a progress bar (at most 100)."""
        return min(self.percent, 100)


def retainer_for(
    project: Project, today: datetime.date, retainers: list[Retainer] | None = None
) -> Retainer | None:
    """Return the retainer (with included hours) that covers ``project`` today, if any."""
    for retainer in project_retainers(project) if retainers is None else retainers:
        if retainer.starts_on <= today and (retainer.ends_on is None or retainer.ends_on >= today):
            return retainer
    return None


FIGURE_MODELS = ("timetracking.timeentry", "projects.scopeitem")
FIGURES_SECONDS = 24 * 3600


def _project_figures(project: Project, retainers: list[Retainer]) -> dict[str, Any]:
    """Return the project's seconds in all, per milestone, unbilled and out of scope, with the
    counts of entries (one aggregate over all of the project's entries)."""
    unbilled = Q(is_billable=True, invoice__isnull=True, change_request__isnull=True) & ~Q(
        retainer_days(project, retainers)
    )
    # The project's out-of-scope items as a subquery (PostgreSQL hashes it once), not a join
    # of every entry to its scope item.
    out_of_scope = (
        ScopeItem.objects.filter(project=project, is_in_scope=False).order_by().values("pk")
    )
    flagged = Q(change_request__isnull=True) & (
        Q(is_out_of_scope=True) | Q(scope_item_id__in=Subquery(out_of_scope))
    )
    rows = (
        TimeEntry.objects.filter(project=project)
        .order_by()
        .values("milestone_id")
        .annotate(
            total=Sum("seconds"),
            unbilled=Coalesce(Sum("seconds", filter=unbilled), 0),
            unbilled_count=Count("pk", filter=unbilled),
            flagged=Coalesce(Sum("seconds", filter=flagged), 0),
            flagged_count=Count("pk", filter=flagged),
        )
    )
    figures: dict[str, Any] = dict.fromkeys(
        ("total", "unbilled", "unbilled_count", "flagged", "flagged_count"), 0
    )
    figures["per_milestone"] = {}
    for row in rows:
        for name in ("total", "unbilled", "unbilled_count", "flagged", "flagged_count"):
            figures[name] += row[name]
        if row["milestone_id"]:
            figures["per_milestone"][row["milestone_id"]] = row["total"]
    return figures


def project_figures(project: Project, retainers: list[Retainer]) -> dict[str, Any]:
    """Return ``_project_figures``, from the cache while the freelancer's time entries and
    scope items are unchanged (their data generations, crm/freshness.py, and the retainers'
    date ranges are in the key); store them when computed. Without a cache, computed.

    The aggregate reads every entry of the project (20,000 on a long one: most of the project
    page's time), and a freelancer looks at a project far more often than time is booked on
    it. Any write to an entry or scope item of the freelancer renews the generation, so a
    figure is never served from before a change.
    """
    stamps = freshness.generations(project.owner_id, FIGURE_MODELS)
    if stamps is None:
        return _project_figures(project, retainers)
    ranges = ",".join(f"{r.starts_on}..{r.ends_on or ''}" for r in retainers)
    key = (
        f"project-time:{project.pk}:"
        + ":".join(stamps[label] for label in sorted(stamps))
        + f":{ranges}"
    )
    try:
        figures = cache.get(key)
    except Exception:
        figures = None
    if figures is None:
        figures = _project_figures(project, retainers)
        try:
            cache.set(key, figures, FIGURES_SECONDS)
        except Exception:
            logger.warning("Could not cache a project's time figures", exc_info=True)
    return figures


def project_summary(project: Project, *, today: datetime.date) -> dict[str, Any]:
    """Return the project's hours: in all, per milestone, unbilled, out of scope (one query,
    cached: ``project_figures``), the last entries, its retainer's month and whether the
    portal shows hours."""
    retainers = project_retainers(project)
    figures = project_figures(project, retainers)
    recent = list(
        TimeEntry.objects.filter(project=project)
        .select_related("milestone")
        .order_by("-work_on", "-started_at", "-pk")[:8]
    )
    retainer = retainer_for(project, today, retainers)
    portal = (
        ProjectTimeSettings.objects.filter(project=project)
        .values_list("hours_in_portal", flat=True)
        .first()
    )
    return {
        "budget": Budget(hours_from_seconds(figures["total"]), project.estimated_hours),
        "milestone_seconds": figures["per_milestone"],
        "unbilled_hours": hours_from_seconds(figures["unbilled"]),
        "unbilled_count": figures["unbilled_count"],
        "flagged_hours": hours_from_seconds(figures["flagged"]),
        "flagged_count": figures["flagged_count"],
        "recent": recent,
        "retainer": retainer,
        "retainer_month": retainer_month(retainer, today) if retainer else None,
        "hours_in_portal": bool(portal),
    }


def milestone_budget(summary: dict[str, Any], milestone: Milestone) -> Budget:
    seconds = summary["milestone_seconds"].get(milestone.pk, 0)
    return Budget(hours_from_seconds(seconds), milestone.estimated_hours)


def _booked(path: str) -> Coalesce:
    seconds = (
        TimeEntry.objects.filter(**{path: OuterRef("pk")})
        .order_by()
        .values(path)
        .annotate(total=Sum("seconds"))
        .values("total")
    )
    return Coalesce(Subquery(seconds), 0)


def _threshold() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("estimated_hours") * Value(WARN_AT * 3600),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def budgets_alerting(*, user: Any) -> list[dict[str, Any]]:
    """Return running projects and open milestones at 80 % or more of their estimate, the
    fullest first (one query, at most SECTION_SIZE rows)."""
    fields = (
        "kind",
        "pk",
        "title",
        "project_id",
        "project_title",
        "client_name",
        "estimate",
        "booked",
    )
    projects = (
        Project.objects.owned_by(user)
        .filter(status__in=OPEN_STATUSES, estimated_hours__gt=0)
        .annotate(booked=_booked("project_id"))
        .filter(booked__gte=_threshold())
        .annotate(
            kind=Value("project"),
            project_title=F("title"),
            client_name=F("client__name"),
            estimate=F("estimated_hours"),
        )
        .annotate(project_id=F("pk"))
        .order_by()  # no ORDER BY inside a UNION (SQLite refuses it)
        .values_list(*fields)
    )
    milestones = (
        Milestone.objects.owned_by(user)
        .filter(done_on__isnull=True, project__status__in=OPEN_STATUSES, estimated_hours__gt=0)
        .annotate(booked=_booked("milestone_id"))
        .filter(booked__gte=_threshold())
        .annotate(
            kind=Value("milestone"),
            project_title=F("project__title"),
            client_name=F("project__client__name"),
            estimate=F("estimated_hours"),
        )
        .order_by()
        .values_list(*fields)
    )
    rows = list(projects.union(milestones, all=True).order_by("-booked", "pk")[:100])
    result = []
    for kind, pk, title, project_id, project_title, client_name, estimate, booked in rows:
        budget = Budget(hours_from_seconds(booked), estimate)
        result.append(
            {
                "kind": kind,
                "pk": pk,
                "title": title,
                "project_id": project_id,
                "project_title": project_title,
                "client_name": client_name,
                "budget": budget,
            }
        )
    result.sort(key=lambda row: (-row["budget"].percent, row["title"]))
    return result[:SECTION_SIZE]


def retainer_drafts(*, user: Any) -> list[BillingPeriod]:
    """Return the invoices the retainer planner drafted that wait to be checked and issued."""
    return list(
        BillingPeriod.objects.owned_by(user)
        .filter(invoice__status="draft")
        .select_related("invoice", "retainer__project__client")
        .order_by("starts_on", "pk")[:SECTION_SIZE]
    )


def portal_hours(project: Project, *, today: datetime.date) -> dict[str, Any] | None:
    """Return what the client portal shows about hours (None unless the freelancer chose to)."""
    shown = ProjectTimeSettings.objects.filter(project=project, hours_in_portal=True).exists()
    if not shown:
        return None
    seconds = TimeEntry.objects.filter(project=project).aggregate(total=Sum("seconds"))["total"]
    retainer = retainer_for(project, today)
    return {
        "budget": Budget(hours_from_seconds(seconds or 0), project.estimated_hours),
        "retainer": retainer,
        "month": retainer_month(retainer, today) if retainer else None,
    }
