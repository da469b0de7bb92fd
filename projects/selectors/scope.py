"""Reads about what was agreed: scope lists, milestone warnings, revision rounds, goodwill."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from clients.models import Client

from ..models import Invoice, InvoiceLine, Milestone, RevisionRound, ScopeItem
from ..models.lines import LineItem


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


# Invoices that count: issued and standing (a cancelled invoice and its cancellation cancel out).
STANDING = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID, Invoice.Status.PAID)


def goodwill_ledger(*, client: Client) -> dict[str, Any]:
    """Return what the client got beyond the agreement, beside what they were invoiced.

    ``rounds``: revision rounds given as goodwill (the count ``goodwill_by_client`` ranks clients
    by, here for one client without loading its owner); ``currencies``: per
    currency (never added across currencies) the net invoiced and the discounts and goodwill
    credits on those invoices, as positive amounts. Only standing invoices count: a concession
    on an offer is a promise until it is invoiced. Three queries.
    """
    rounds = RevisionRound.objects.filter(
        project__client=client, billing=RevisionRound.Billing.GOODWILL
    ).count()
    invoices = Invoice.objects.filter(client=client, status__in=STANDING, cancels__isnull=True)
    invoiced = {
        row["currency"]: row["net"]
        for row in invoices.values("currency").annotate(net=Sum("total_net")).order_by()
    }
    net = F("quantity") * F("unit_price")
    money = DecimalField(max_digits=14, decimal_places=2)
    concessions = (
        InvoiceLine.objects.filter(invoice__in=invoices)
        .values("invoice__currency")
        .annotate(
            discount=Sum(net, filter=Q(kind=LineItem.Kind.DISCOUNT), output_field=money),
            goodwill=Sum(net, filter=Q(kind=LineItem.Kind.GOODWILL), output_field=money),
        )
        .order_by()
    )
    given = {row["invoice__currency"]: row for row in concessions}

    def conceded(currency: str, kind: str) -> Decimal:
        # Stored negative; shown as what was given. ``+ 0`` turns -0.00 into 0.00.
        amount = given.get(currency, {}).get(kind) or Decimal(0)
        return -amount.quantize(Decimal("0.01")) + 0

    return {
        "rounds": rounds,
        "currencies": [
            {
                "currency": currency,
                "invoiced": invoiced[currency],
                "discount": conceded(currency, "discount"),
                "goodwill": conceded(currency, "goodwill"),
            }
            for currency in sorted(invoiced)
        ],
    }
