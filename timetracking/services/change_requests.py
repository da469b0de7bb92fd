"""Out of scope: the project's flagged time becomes a change request, priced from its hours."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import ChangeRequest, Project
from projects.services.change_requests import change_request_log

from ..models import CENT, TimeEntry
from ..wording import date_text, number_text
from .common import TimeError
from .rates import rate_for


def flagged_entries(project: Project) -> QuerySet[TimeEntry]:
    """Return the project's out-of-scope time that is not yet part of a change request."""
    return TimeEntry.objects.filter(project=project, change_request__isnull=True).filter(
        Q(is_out_of_scope=True) | Q(scope_item__is_in_scope=False)
    )


def change_request_from_time(
    *, project: Project, actor: Any, today: datetime.date | None = None
) -> ChangeRequest:
    """Turn the project's flagged out-of-scope time into a change request, prefilled with the
    hours and their price (hours x each entry's rate). The entries are linked to it and are
    never billed as time again (the change request prices them). Not idempotent: a second call
    finds no flagged time and raises TimeError."""
    today = today or timezone.localdate()
    with transaction.atomic():
        entries = list(
            flagged_entries(project)
            .filter(invoice__isnull=True)
            .select_for_update(of=("self",))
            .select_related("scope_item")
            .order_by("work_on", "pk")
        )
        if not entries:
            raise TimeError(_("There is no time outside the scope to turn into a change request."))
        title, description = _request_text(entries, language=project.client.language)
        change_request = ChangeRequest(
            project=project,
            title=title[:200],
            description=description[:10_000],
            requested_on=today,
            price=_price(entries, fallback=rate_for(project) or Decimal(0)),
        )
        change_request_log(change_request=change_request, actor=actor)
        TimeEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update_of_owner(
            project.owner_id, change_request=change_request
        )
    return change_request


def _price(entries: list[TimeEntry], *, fallback: Decimal) -> Decimal:
    """Return what the hours cost at each entry's own rate (``fallback`` where it has none)."""
    return sum(
        ((Decimal(entry.seconds) / 3600 * (entry.hourly_rate or fallback)) for entry in entries),
        Decimal(0),
    ).quantize(CENT, rounding=ROUND_HALF_UP)


def _request_text(entries: list[TimeEntry], *, language: str) -> tuple[str, str]:
    """Return the change request's title and description, in the client's language."""
    hours = (Decimal(sum(entry.seconds for entry in entries)) / 3600).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    german = language == "de"
    lines = [
        f"- {date_text(entry.work_on, language)}: {entry.description or '–'} "
        f"({number_text(entry.hours, language)} h)"
        for entry in entries[:50]
    ]
    titles = {entry.description for entry in entries if entry.description}
    topic = next(iter(sorted(titles)), "") if len(titles) == 1 else ""
    title = (
        (f"Zusatzaufwand: {topic}" if topic else "Zusatzaufwand außerhalb des Leistungsumfangs")
        if german
        else (f"Extra work: {topic}" if topic else "Extra work outside the agreed scope")
    )
    intro = (
        f"{number_text(hours, language)} Stunden außerhalb des vereinbarten Leistungsumfangs:"
        if german
        else f"{hours} hours outside the agreed scope:"
    )
    return title, "\n".join([intro, *lines])
