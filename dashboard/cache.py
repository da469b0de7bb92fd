"""The dashboard's cards in groups, each cached under the data generations of what it reads.

A group's key holds the freelancer's generations (crm/freshness.py) of the models the group
reads, renewed by every write to their rows, so a note recomputes only "quiet clients" and an
approval only the cards that read messages (docs/dashboard.md#cache).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from communications import holds, replies
from crm import freshness
from projects.selectors.scope import goodwill_by_client
from timetracking import budgets as time_budgets

from . import charts, selectors

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60

CLIENT, PROJECT = "clients.client", "projects.project"
MESSAGE, ACTIVITY = "communications.message", "timeline.activity"
OFFER, INVOICE = "projects.offer", "projects.invoice"
MILESTONE, REVISION = "projects.milestone", "projects.revisionround"
CHANGE_REQUEST, PAYMENT = "projects.changerequest", "projects.payment"

Compute = Callable[[Any, datetime.date, datetime.datetime], dict[str, Any]]

# Each group: the models its cards read (their labels), and a function of (user, today, now)
# that returns the group's part of the template context.
CARD_GROUPS: dict[str, tuple[tuple[str, ...], Compute]] = {
    "messages": (
        (MESSAGE, CLIENT, PROJECT),
        lambda user, today, now: {
            "drafts": selectors.drafts_waiting(user=user),
            "outgoing": selectors.messages_today(user=user, today=today),
        },
    ),
    "projects": (
        (MILESTONE, REVISION, CHANGE_REQUEST, PROJECT, CLIENT),
        lambda user, today, now: {
            "milestones": selectors.milestones_slipping(user=user, today=today),
            "revisions_used_up": selectors.projects_revisions_used_up(user=user),
            "change_requests": selectors.change_requests_open(user=user),
        },
    ),
    "invoices": (
        (INVOICE, MESSAGE, CLIENT, PROJECT),
        lambda user, today, now: {
            "invoices": selectors.invoices_overdue(user=user, today=today),
            "figures": selectors.money_figures(user=user, today=today),
        },
    ),
    "offers": (
        (OFFER, PROJECT, CLIENT),
        lambda user, today, now: {
            "offers": selectors.offers_awaiting(user=user, today=today),
            "acceptances": selectors.offers_accepted_recently(user=user, now=now),
        },
    ),
    "quiet": (
        (CLIENT, ACTIVITY, MESSAGE),
        lambda user, today, now: {"quiet_clients": selectors.clients_quiet(user=user, now=now)},
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
        (PAYMENT, INVOICE, REVISION, PROJECT, CLIENT),
        lambda user, today, now: charts.charts_context(
            income=selectors.income_by_month(user=user, today=today),
            goodwill=list(goodwill_by_client(user=user)[: selectors.SECTION_SIZE]),
        ),
    ),
    # "Replies to read": messages held by a client's reply, reminders that wait after one.
    "replies_held": (
        (MESSAGE, CLIENT, PROJECT),
        lambda user, today, now: dict(
            zip(("held", "held_more"), replies.messages_held_by_replies(user=user), strict=True)
        ),
    ),
    # Paused clients, and clients whose messages an ended pause still holds (holds.py).
    "paused_clients": (
        (MESSAGE, CLIENT),
        lambda user, today, now: {"paused_clients": holds.clients_paused(user=user)},
    ),
    "replies_paused": (
        (ACTIVITY, INVOICE, CLIENT, "communications.communicationsettings"),
        lambda user, today, now: {
            "reminders_paused": replies.reminders_paused_by_replies(user=user, now=now)
        },
    ),
}


def cards_context(*, user: Any, today: datetime.date, now: datetime.datetime) -> dict[str, Any]:
    """Return every card group's context, computed (one query per card or figure)."""
    context: dict[str, Any] = {}
    for _models_read, compute in CARD_GROUPS.values():
        context.update(compute(user, today, now))
    return context


def _keys(user: Any, today: datetime.date, stamps: dict[str, str]) -> dict[str, str]:
    """Return each group's cache key: the generations it depends on, the day, the language
    (month labels) and the time zone."""
    suffix = f"{today.isoformat()}:{get_language()}:{timezone.get_current_timezone_name()}"
    return {
        name: f"dashboard:{user.pk}:{name}:"
        + ":".join(stamps[label] for label in (*models_read, freshness.ANY))
        + f":{suffix}"
        for name, (models_read, _compute) in CARD_GROUPS.items()
    }


def cards_context_cached(
    *, user: Any, today: datetime.date, now: datetime.datetime
) -> dict[str, Any]:
    """Return ``cards_context``, each group from the cache while the models it reads did not
    change for this freelancer; store the groups computed afresh. Safe to run twice.

    Entries live CACHE_SECONDS, which bounds how long time alone (an invoice turning overdue at
    midnight is in the key; a client turning quiet after 90 days is not) can leave a card behind.
    One round trip to the cache reads the generations, one more reads the groups. Without a
    reachable cache every group is computed.
    """
    labels = {label for models_read, _compute in CARD_GROUPS.values() for label in models_read}
    stamps = freshness.generations(user.pk, labels)
    if stamps is None:  # no cache reachable
        return cards_context(user=user, today=today, now=now)
    keys = _keys(user, today, stamps)
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:
        cached = {}
    context: dict[str, Any] = {}
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
