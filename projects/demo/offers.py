"""Demo offers: one per project (two versions for some), numbered per year, sent ones frozen."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm.demo import DemoContext

from .. import documents
from ..models import NumberSequence, Offer, OfferLine, Project
from ..selectors.project import project_pricing_lines
from .agreements import DAY, Agreements

Status = Project.Status


def offers_create(
    context: DemoContext, projects: list[Project], agreed: Agreements, seller: dict[str, Any]
) -> tuple[list[Offer], dict[int, list[OfferLine]]]:
    """Create one offer per project (two versions for some), numbered per year."""
    counters: dict[int, int] = {}
    offers: list[Offer] = []
    pending_lines: list[tuple[Offer, list[OfferLine]]] = []
    for index, project in enumerate(projects):
        issued = min(project.start_on - 7 * DAY, context.today)
        counters[issued.year] = counters.get(issued.year, 0) + 1
        number = f"A-{issued.year}-{counters[issued.year]:03d}"
        status = {
            Status.LEAD: Offer.Status.DRAFT,
            Status.OFFERED: Offer.Status.SENT if (index // 10) % 2 else Offer.Status.EXPIRED,
            Status.CANCELLED: Offer.Status.DECLINED,
        }.get(project.status, Offer.Status.ACCEPTED)
        texts = documents.default_texts(client=project.client, project_title=project.title)
        versions = 2 if index % 5 == 1 and status != Offer.Status.DRAFT else 1
        for version in range(1, versions + 1):
            offer = Offer(
                owner=context.user,
                project=project,
                number=number,
                version=version,
                status=status if version == versions else Offer.Status.SUPERSEDED,
                issued_on=issued,
                valid_until=issued + 30 * DAY,
                intro_text=texts["intro"],
                closing_text=texts["closing"],
            )
            lines = _lines(offer, extra=version == 2 or index % 3 == 0)
            if offer.status != Offer.Status.DRAFT:
                _freeze(offer, lines, agreed, seller)
            offers.append(offer)
            pending_lines.append((offer, lines))
    Offer.objects.bulk_create(offers, batch_size=1000)
    lines_by_project: dict[int, list[OfferLine]] = {}
    for offer, lines in pending_lines:
        for line in lines:
            line.offer = offer
        lines_by_project[offer.project.pk] = lines
    OfferLine.objects.bulk_create(
        [line for _offer, lines in pending_lines for line in lines], batch_size=2000
    )
    NumberSequence.objects.bulk_create(
        NumberSequence(owner=context.user, kind=NumberSequence.Kind.OFFER, year=year, last_number=n)
        for year, n in counters.items()
    )
    return offers, lines_by_project


def _lines(offer: Offer, *, extra: bool) -> list[OfferLine]:
    """The project's price as the first line, and an extra revision round as the second."""
    project = offer.project
    lines = [
        OfferLine(offer=offer, position=index, **line)
        for index, line in enumerate(project_pricing_lines(project), start=1)
    ]
    if extra:
        lines.append(
            OfferLine(
                offer=offer,
                position=2,
                description="Korrekturschleife extra"
                if project.client.language == "de"
                else "Extra revision round",
                quantity=Decimal(1),
                unit="Stk.",
                unit_price=Decimal(240),
                vat_rate=project.vat_rate,
            )
        )
    return lines


def _freeze(
    offer: Offer, lines: list[OfferLine], agreed: Agreements, seller: dict[str, Any]
) -> None:
    """Snapshot a sent offer, with the dates the client answered."""
    project = offer.project
    offer.snapshot = documents.offer_snapshot(
        offer,
        lines=lines,
        scope=agreed.scope_by_project[project.pk],
        milestones=agreed.milestones_by_project[project.pk],
        seller=seller,
    )
    offer.total_net = Decimal(offer.snapshot["totals"]["net"])
    offer.total_gross = Decimal(offer.snapshot["totals"]["gross"])
    offer.sent_at = at_ten(offer.issued_on)
    if offer.status == Offer.Status.ACCEPTED:
        offer.accepted_at = at_ten(offer.issued_on + 3 * DAY)
        offer.accepted_by_name = project.client.name
    if offer.status == Offer.Status.DECLINED:
        offer.declined_at = at_ten(offer.issued_on + 5 * DAY)


def at_ten(day: datetime.date) -> datetime.datetime:
    """Return 10 o'clock on ``day`` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def acceptances_make_recent(context: DemoContext, offers: list[Offer]) -> None:
    """Let the two newest accepted offers be recent, so the dashboard shows them."""
    accepted = [offer for offer in offers if offer.status == Offer.Status.ACCEPTED]
    for days_ago, offer in enumerate(accepted[:2], start=1):
        offer.accepted_at = context.now - datetime.timedelta(days=days_ago)
        offer.accepted_ip = "127.0.0.1"
    Offer.objects.bulk_update(accepted[:2], ["accepted_at", "accepted_ip"])
