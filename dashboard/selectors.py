"""What the dashboard's cards read: one capped, index-backed query per card or figure.

Every card is one query of at most ``SECTION_SIZE`` rows plus one (to know whether there are
more), so the number of SQL queries is the same for 10 clients or 10,000 projects
(docs/dashboard.md). All functions here are read-only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from clients.models import Client
from communications.models import Message
from projects.models import (
    ChangeRequest,
    Invoice,
    Milestone,
    Offer,
    Payment,
    Project,
    RevisionRound,
)
from timeline.models import Activity

SECTION_SIZE = 8
QUIET_DAYS = 90
EXPIRY_WARNING_DAYS = 7
ACCEPTANCE_DAYS = 14
REMINDER_KINDS = (Message.Kind.REMINDER_1, Message.Kind.REMINDER_2, Message.Kind.REMINDER_3)
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


def _day_end(today: datetime.date) -> datetime.datetime:
    """Return the start of the day after ``today`` in the active (freelancer's) time zone."""
    tomorrow = today + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time.min, timezone.get_current_timezone())


# --- Cards ----------------------------------------------------------------------------------


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
    return _capped(
        Message.objects.owned_by(user)
        .filter(status=Message.Status.SCHEDULED, send_after__lt=_day_end(today))
        .order_by("send_after", "pk"),
        related=("client", "project"),
        defer=MESSAGE_BODIES,
    )


def milestones_slipping(*, user: Any, today: datetime.date) -> Section:
    """Return open milestones of projects underway that are late or at risk, earliest due first."""
    section = _capped(
        Milestone.objects.owned_by(user)
        .slipped(today)
        .filter(project__in=Project.objects.underway())
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
    """Return projects underway whose included revision rounds reached the agreed number."""
    used = Count("revisions", filter=Q(revisions__billing=RevisionRound.Billing.INCLUDED))
    return _capped(
        Project.objects.owned_by(user)
        .underway()
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


# --- Figures --------------------------------------------------------------------------------

_ZERO = models.Value(Decimal(0), output_field=models.DecimalField(max_digits=14, decimal_places=2))


def money_figures(*, user: Any, today: datetime.date) -> list[dict[str, Any]]:
    """Return the outstanding and the overdue amount of unpaid invoices per currency (one
    query), in currency order: amounts of different currencies are never added together."""
    due = F("total_gross") - F("amount_paid")
    return list(
        Invoice.objects.owned_by(user)
        .unpaid()
        .values("currency")
        .annotate(
            outstanding=Sum(due),
            overdue=Coalesce(Sum(due, filter=Q(due_on__lt=today)), _ZERO),
        )
        .order_by("currency")
    )


def _month_start(day: datetime.date, months_back: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def income_by_month(*, user: Any, today: datetime.date) -> dict[str, list[dict[str, Any]]]:
    """Return the payments received per month for the last 12 months (oldest first), per
    currency of the invoice paid (one query); a currency without payments is left out."""
    first = _month_start(today, 11)
    rows = (
        Payment.objects.owned_by(user)
        .filter(paid_on__gte=first, paid_on__lte=today)
        .annotate(month=TruncMonth("paid_on"))
        .values("invoice__currency", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals: dict[str, dict[datetime.date, Decimal]] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        totals.setdefault(row["invoice__currency"], {})[month] = row["total"]
    months = [_month_start(today, back) for back in range(11, -1, -1)]
    return {
        currency: [{"month": month, "total": by_month.get(month, Decimal(0))} for month in months]
        for currency, by_month in sorted(totals.items())
    }
