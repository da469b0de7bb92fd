"""Reads about what was agreed: scope lists, milestone warnings, revision rounds, goodwill."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from clients.models import Client

from ..models import Milestone, RevisionRound, ScopeItem


def scope_split(items: Iterable[ScopeItem]) -> dict[str, list[ScopeItem]]:
    """Return the items in scope and out of scope, each in list order (``scope_in``/``_out``)."""
    items = list(items)
    return {
        "scope_in": [item for item in items if item.is_in_scope],
        "scope_out": [item for item in items if not item.is_in_scope],
    }


def milestone_warnings(*, milestone: Milestone) -> list[str]:
    """Return warnings (not errors) about a milestone, e.g. due after the project deadline."""
    warnings = []
    deadline = milestone.project.deadline_on
    if deadline and milestone.due_on > deadline:
        warnings.append(
            _("“%(title)s” is due after the project deadline (%(deadline)s). Saved anyway.")
            % {"title": milestone.title, "deadline": deadline.isoformat()}
        )
    if deadline and milestone.forecast_on and milestone.forecast_on > deadline:
        warnings.append(
            _("The forecast for “%(title)s” lies after the project deadline.")
            % {"title": milestone.title}
        )
    return warnings


def revisions_used(revisions: Iterable[RevisionRound]) -> int:
    """Return the number of included rounds (the ones that count against the agreement)."""
    return sum(1 for rnd in revisions if rnd.billing == RevisionRound.Billing.INCLUDED)


def goodwill_by_client(*, user: Any) -> QuerySet[Client]:
    """Return the user's clients that got goodwill rounds, most first (``goodwill_rounds``).

    One grouped query; the filter comes before the count, so only goodwill rounds are joined.
    """
    return (
        Client.objects.owned_by(user)
        .filter(projects__revisions__billing=RevisionRound.Billing.GOODWILL)
        .annotate(goodwill_rounds=Count("projects__revisions"))
        .order_by("-goodwill_rounds", "name")
    )
