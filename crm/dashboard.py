"""The dashboard: the freelancer's day at a glance, actionable in place.

Every section is one capped, index-backed query (``SECTION_SIZE`` rows plus one to know whether
there are more), so the number of SQL queries is the same for 10 clients or 10,000 projects.
Charts are drawn on the server as inline SVG (no script, no inline style: CSP allows it).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients.models import Client
from communications import services as comms
from communications.models import Activity, Message
from crm import freshness
from projects.models import (
    ChangeRequest,
    Invoice,
    Milestone,
    Offer,
    Payment,
    Project,
    RevisionRound,
)
from timetracking import budgets as time_budgets

logger = logging.getLogger(__name__)

SECTION_SIZE = 8
QUIET_DAYS = 90
EXPIRY_WARNING_DAYS = 7
ACCEPTANCE_DAYS = 14
REMINDER_KINDS = (Message.Kind.REMINDER_1, Message.Kind.REMINDER_2, Message.Kind.REMINDER_3)
OPEN_PROJECT_STATUSES = (Project.Status.ACTIVE, Project.Status.ON_HOLD)
QUICK_NOTE_TEMPLATE = "clients/_note_quick_add.html"
MESSAGE_BODIES = ("body_text", "body_html", "attachments")
OFFER_TEXTS = ("snapshot", "intro_text", "closing_text")


@dataclass
class Section:
    """A capped list for one dashboard card: at most SECTION_SIZE items and whether more exist."""

    items: list[Any]
    has_more: bool

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)


def _capped(
    queryset: models.QuerySet,
    *,
    related: tuple[str, ...] = (),
    annotations: dict[str, Any] | None = None,
    defer: tuple[str, ...] = (),
) -> Section:
    """Return the first SECTION_SIZE rows of ``queryset`` (ordered), with their related rows.

    The ids are picked in a subquery with the filter and order alone, and only those rows are
    joined to their project and client: joining first made PostgreSQL hash-join whole tables
    (10,000 projects) before the limit. One query either way. ``defer`` leaves out columns the
    card does not show (a message's bodies can be many kilobytes).
    """
    order = queryset.query.order_by
    ids = queryset.values("pk")[: SECTION_SIZE + 1]
    rows_query = queryset.model._default_manager.filter(pk__in=Subquery(ids))
    if annotations:
        rows_query = rows_query.annotate(**annotations)
    rows = list(rows_query.select_related(*related).defer(*defer).order_by(*order))
    return Section(items=rows[:SECTION_SIZE], has_more=len(rows) > SECTION_SIZE)


def safe_reverse(name: str, *args: Any) -> str:
    """Return the URL of ``name``, or "" while the app that provides it is not there yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _day_bounds(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the start of ``today`` and of tomorrow in the active (freelancer's) time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, zone)
    return start, end


# --- Sections -------------------------------------------------------------------------------


def drafts_waiting(*, user: Any) -> Section:
    """Return the drafts waiting for approval, oldest first."""
    return _capped(
        Message.objects.owned_by(user)
        .filter(status=Message.Status.DRAFT)
        .order_by("created_at", "pk"),
        related=("client", "project"),
        defer=MESSAGE_BODIES,
    )


def messages_today(*, user: Any, today: datetime.date) -> Section:
    """Return the approved messages that go out today (or are overdue to go out)."""
    _start, end = _day_bounds(today)
    return _capped(
        Message.objects.owned_by(user)
        .filter(status=Message.Status.SCHEDULED, send_after__lt=end)
        .order_by("send_after", "pk"),
        related=("client", "project"),
        defer=MESSAGE_BODIES,
    )


def milestones_slipping(*, user: Any, today: datetime.date) -> Section:
    """Return open milestones of running projects that are late or at risk, earliest due first."""
    section = _capped(
        Milestone.objects.owned_by(user)
        .slipped(today)
        .filter(project__status__in=OPEN_PROJECT_STATUSES)
        .order_by("due_on", "pk"),
        related=("project__client",),
    )
    for milestone in section:
        milestone.state = milestone.state_on(today)
    return section


def invoices_overdue(*, user: Any, today: datetime.date) -> Section:
    """Return overdue invoices with the highest payment-reminder level written so far."""
    # reminder_1 < reminder_2 < reminder_3 sorts by level, so the first kind is the highest.
    highest = (
        Message.objects.filter(invoice=OuterRef("pk"), kind__in=REMINDER_KINDS)
        .exclude(status=Message.Status.CANCELLED)
        .order_by("-kind")
        .values("kind")[:1]
    )
    section = _capped(
        Invoice.objects.owned_by(user).overdue(today).order_by("due_on", "pk"),
        related=("client", "project"),
        annotations={"reminder_kind": Subquery(highest)},
    )
    for invoice in section:
        invoice.reminder_level = int(invoice.reminder_kind[-1]) if invoice.reminder_kind else 0
        invoice.days_overdue = (today - invoice.due_on).days
    return section


def projects_revisions_used_up(*, user: Any) -> Section:
    """Return running projects whose included revision rounds reached the agreed number."""
    used = Count("revisions", filter=Q(revisions__billing=RevisionRound.Billing.INCLUDED))
    return _capped(
        Project.objects.owned_by(user)
        .filter(status__in=OPEN_PROJECT_STATUSES)
        .annotate(revisions_used=used)
        .filter(revisions_used__gte=F("revisions_agreed"))
        .order_by("deadline_on", "pk"),
        related=("client",),
        annotations={"revisions_used": used},
    )


def change_requests_open(*, user: Any) -> Section:
    """Return the open change requests, oldest first."""
    return _capped(
        ChangeRequest.objects.owned_by(user)
        .filter(status=ChangeRequest.Status.OPEN)
        .order_by("requested_on", "pk"),
        related=("project__client",),
    )


def offers_awaiting(*, user: Any, today: datetime.date) -> Section:
    """Return sent offers without an answer, the soonest to expire first."""
    section = _capped(
        Offer.objects.owned_by(user).filter(status=Offer.Status.SENT).order_by("valid_until", "pk"),
        related=("project__client",),
        defer=OFFER_TEXTS,
    )
    for offer in section:
        offer.days_left = (offer.valid_until - today).days
        offer.is_expiring = offer.days_left <= EXPIRY_WARNING_DAYS
    return section


def offers_accepted_recently(*, user: Any, now: datetime.datetime) -> Section:
    """Return offers accepted (mostly in the client portal) in the last two weeks."""
    return _capped(
        Offer.objects.owned_by(user)
        .filter(
            status=Offer.Status.ACCEPTED,
            accepted_at__gte=now - datetime.timedelta(days=ACCEPTANCE_DAYS),
        )
        .order_by("-accepted_at", "-pk"),
        related=("project__client",),
        defer=OFFER_TEXTS,
    )


def clients_quiet(*, user: Any, now: datetime.datetime) -> Section:
    """Return clients (past ones included) without activity or message for QUIET_DAYS days."""
    since = now - datetime.timedelta(days=QUIET_DAYS)
    recent_activity = Activity.objects.filter(client=OuterRef("pk"), occurred_at__gte=since)
    recent_message = Message.objects.filter(client=OuterRef("pk"), created_at__gte=since)
    last_activity = (
        Activity.objects.filter(client=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return _capped(
        Client.objects.owned_by(user)
        .active()
        .exclude(status=Client.Status.LEAD)
        .filter(created_at__lt=since)
        .filter(~Exists(recent_activity), ~Exists(recent_message))
        .annotate(last_contact_at=Subquery(last_activity))
        .order_by(F("last_contact_at").asc(nulls_first=True), "name", "pk"),
        annotations={"last_contact_at": Subquery(last_activity)},
    )


# --- Figures and charts ---------------------------------------------------------------------


def money_figures(*, user: Any, today: datetime.date) -> dict[str, Decimal]:
    """Return the outstanding and the overdue amount of unpaid invoices (one query)."""
    due = F("total_gross") - F("amount_paid")
    zero = models.Value(
        Decimal(0), output_field=models.DecimalField(max_digits=14, decimal_places=2)
    )
    figures = (
        Invoice.objects.owned_by(user)
        .unpaid()
        .aggregate(
            outstanding=Coalesce(Sum(due), zero),
            overdue=Coalesce(Sum(due, filter=Q(due_on__lt=today)), zero),
        )
    )
    return figures


def _month_start(day: datetime.date, months_back: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def income_by_month(*, user: Any, today: datetime.date) -> list[dict[str, Any]]:
    """Return the payments received per month for the last 12 months (oldest first)."""
    first = _month_start(today, 11)
    rows = (
        Payment.objects.owned_by(user)
        .filter(paid_on__gte=first, paid_on__lte=today)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        totals[month] = row["total"]
    return [
        {"month": (month := _month_start(today, back)), "total": totals.get(month, Decimal(0))}
        for back in range(11, -1, -1)
    ]


def goodwill_by_client(*, user: Any) -> list[dict[str, Any]]:
    """Return how many revision rounds each client got as goodwill (top SECTION_SIZE)."""
    return list(
        RevisionRound.objects.owned_by(user)
        .filter(billing=RevisionRound.Billing.GOODWILL)
        .values("project__client_id", "project__client__name")
        .annotate(rounds=Count("pk"))
        .order_by("-rounds", "project__client__name")[:SECTION_SIZE]
    )


CHART_WIDTH = 600
CHART_HEIGHT = 180
CHART_BOTTOM = 20


def column_chart(values: list[Decimal | int], labels: list[str]) -> list[dict[str, Any]]:
    """Return the geometry of a column chart (x, y, width, height per bar) in SVG units."""
    peak = max((float(value) for value in values), default=0) or 1.0
    slot = CHART_WIDTH / max(len(values), 1)
    plot_height = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = round(float(value) / peak * (plot_height - 10), 1)
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(plot_height - height, 1),
                "height": height,
                "label_x": round(index * slot + slot / 2, 1),
                "label": label,
                "value": value,
            }
        )
    return bars


GOODWILL_WIDTH = 320


def bar_chart(values: list[int], labels: list[str]) -> list[dict[str, Any]]:
    """Return the geometry of a horizontal bar chart (one row of 22 units per value)."""
    peak = max(values, default=0) or 1
    label_width = 130
    room = GOODWILL_WIDTH - label_width - 30
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        width = max(round(value / peak * room, 1), 2)
        bars.append(
            {
                "y": index * 22 + 3,
                "text_y": index * 22 + 15,
                "x": label_width,
                "width": width,
                "value_x": round(label_width + width + 6, 1),
                "label": label,
                "value": value,
            }
        )
    return bars


# --- Context and views ----------------------------------------------------------------------


def quick_note_available() -> bool:
    """Return whether the clients app ships its quick-note partial."""
    try:
        get_template(QUICK_NOTE_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def _charts(*, user: Any, today: datetime.date) -> dict[str, Any]:
    income = income_by_month(user=user, today=today)
    goodwill = goodwill_by_client(user=user)
    return {
        "income": income,
        "income_total": sum((row["total"] for row in income), Decimal(0)),
        "income_chart": column_chart(
            [row["total"] for row in income],
            [date_format(row["month"], "M") for row in income],
        ),
        "goodwill_chart": bar_chart(
            [row["rounds"] for row in goodwill],
            [row["project__client__name"] for row in goodwill],
        ),
        "goodwill_height": max(len(goodwill) * 22, 22),
    }


CLIENT, PROJECT = "clients.client", "projects.project"
MESSAGE, ACTIVITY = "communications.message", "communications.activity"
OFFER, INVOICE = "projects.offer", "projects.invoice"

# The dashboard's cards in groups, each cached on its own under the generations of the models it
# reads (crm/freshness.py), so that a note only recomputes "quiet clients" and an approval only
# the message cards. Each entry: the models read, and a function of (user, today, now) that
# returns the group's part of the template context.
CARD_GROUPS: dict[str, tuple[tuple[str, ...], Any]] = {
    "messages": (
        (MESSAGE, CLIENT, PROJECT),
        lambda user, today, now: {
            "drafts": drafts_waiting(user=user),
            "outgoing": messages_today(user=user, today=today),
        },
    ),
    "projects": (
        ("projects.milestone", "projects.revisionround", "projects.changerequest", PROJECT, CLIENT),
        lambda user, today, now: {
            "milestones": milestones_slipping(user=user, today=today),
            "revisions_used_up": projects_revisions_used_up(user=user),
            "change_requests": change_requests_open(user=user),
        },
    ),
    "invoices": (
        (INVOICE, MESSAGE, CLIENT, PROJECT),
        lambda user, today, now: {
            "invoices": invoices_overdue(user=user, today=today),
            "figures": money_figures(user=user, today=today),
        },
    ),
    "offers": (
        (OFFER, PROJECT, CLIENT),
        lambda user, today, now: {
            "offers": offers_awaiting(user=user, today=today),
            "acceptances": offers_accepted_recently(user=user, now=now),
        },
    ),
    "quiet": (
        (CLIENT, ACTIVITY, MESSAGE),
        lambda user, today, now: {"quiet_clients": clients_quiet(user=user, now=now)},
    ),
    "time": (
        (
            "timetracking.timeentry",
            "timetracking.billingperiod",
            "projects.milestone",
            INVOICE,
            PROJECT,
            CLIENT,
        ),
        lambda user, today, now: {
            "budgets": time_budgets.budgets_alerting(user=user),
            "retainer_drafts": time_budgets.retainer_drafts(user=user),
        },
    ),
    "charts": (
        ("projects.payment", INVOICE, "projects.revisionround", PROJECT, CLIENT),
        lambda user, today, now: _charts(user=user, today=today),
    ),
}


def _page_context(*, user: Any, today: datetime.date) -> dict[str, Any]:
    """Return what the dashboard shows besides its cards (no queries)."""
    return {
        "today": today,
        "currency": user.profile_or_default.default_currency,
        "chart_width": CHART_WIDTH,
        "goodwill_width": GOODWILL_WIDTH,
        "chart_height": CHART_HEIGHT,
        "chart_baseline": CHART_HEIGHT - CHART_BOTTOM,
        "quiet_days": QUIET_DAYS,
        "urls": {
            "messages": safe_reverse("communications:list"),
            "projects": safe_reverse("projects:list"),
            "invoices": safe_reverse("projects:invoice_list"),
            "clients": safe_reverse("clients:list"),
            "quick_note": safe_reverse("clients:note_quick_add") if quick_note_available() else "",
        },
    }


def dashboard_context(*, user: Any, today: datetime.date, now: datetime.datetime) -> dict[str, Any]:
    """Return what the dashboard shows for ``user`` (a fixed number of queries)."""
    context = _page_context(user=user, today=today)
    for _models, compute in CARD_GROUPS.values():
        context.update(compute(user, today, now))
    return context


CACHE_SECONDS = 60


def dashboard_context_cached(
    *, user: Any, today: datetime.date, now: datetime.datetime
) -> dict[str, Any]:
    """Return ``dashboard_context``, each card group from the cache while the models it reads
    did not change for this freelancer.

    A group's key holds the freelancer's generations of those models (renewed by every write to
    their rows, see crm/freshness.py), the day, the language (month labels) and the time zone.
    Entries live CACHE_SECONDS, which bounds how long time alone (an invoice turning overdue at
    midnight is in the key; a client turning quiet after 90 days is not) can leave a card behind.
    One round trip to the cache reads the generations, one more reads the groups.
    """
    labels = {label for models_read, _compute in CARD_GROUPS.values() for label in models_read}
    stamps = freshness.generations(user.pk, labels)
    if stamps is None:  # no cache reachable
        return dashboard_context(user=user, today=today, now=now)
    suffix = f"{today.isoformat()}:{get_language()}:{timezone.get_current_timezone_name()}"
    keys = {
        name: f"dashboard:{user.pk}:{name}:"
        + ":".join(stamps[label] for label in (*models_read, freshness.ANY))
        + f":{suffix}"
        for name, (models_read, _compute) in CARD_GROUPS.items()
    }
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:
        cached = {}
    context = _page_context(user=user, today=today)
    fresh = {}
    for name, (_models_read, compute) in CARD_GROUPS.items():
        part = cached.get(keys[name])
        if part is None:
            part = fresh[keys[name]] = compute(user, today, now)
        context.update(part)
    if fresh:
        try:
            cache.set_many(fresh, CACHE_SECONDS)
        except Exception:
            logger.warning("Could not cache the dashboard", exc_info=True)
    return context


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the freelancer's day; a POST approves or cancels one draft in place."""
    if request.method == "POST":
        return draft_decide(request)
    context = dashboard_context_cached(
        user=request.user, today=timezone.localdate(), now=timezone.now()
    )
    return render(request, "crm/dashboard.html", context)


def draft_decide(request: HttpRequest) -> HttpResponse:
    """Approve or cancel the draft named by POST ``message``; htmx swaps in its new state.

    Posted to the dashboard URL itself, so the action needs no URL of its own.
    """
    message_id = request.POST.get("message", "")
    action = request.POST.get("action", "")
    if not (message_id.isdigit() and len(message_id) < 19) or action not in {"approve", "cancel"}:
        return HttpResponseBadRequest(_("Choose a draft and approve or cancel."))
    message = get_object_or_404(
        Message.objects.owned_by(request.user).select_related("client", "project"),
        pk=int(message_id),
    )
    if message.status == Message.Status.DRAFT:
        if action == "approve":
            message = comms.message_approve(message=message)
        else:
            message = comms.message_cancel(message=message)
    if not request.htmx:
        return redirect("crm:dashboard")
    return render(request, "crm/dashboard.html#draft-row", {"message": message})
