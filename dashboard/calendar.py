"""The private calendar feed (RFC 5545): milestones, deadlines, invoice due dates, sends.

``/calendar/<token>.ics`` (``views.calendar_feed``) is read by calendar apps that cannot log in,
so the token (the freelancer's ``Profile.calendar_token``, regenerable on the privacy page) is
the key. UIDs are derived from the row ids, so an app that re-reads the feed updates its events
instead of duplicating them. Four queries whatever the data size.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from communications.models import Message
from projects.models import Invoice, Milestone, Project

PAST_DAYS = 90
SEND_MINUTES = 15


@dataclass(frozen=True)
class Day:
    """One all-day event: ``kind`` and ``pk`` make its UID."""

    kind: str
    pk: int
    day: datetime.date
    summary: str
    description: str = ""


def _milestone_days(user: Any, since: datetime.date) -> Iterator[Day]:
    """Yield each milestone of an open project: its due date and, when it differs, its forecast."""
    milestones = (
        Milestone.objects.owned_by(user)
        .filter(project__in=Project.objects.open())
        .filter(Q(due_on__gte=since) | Q(forecast_on__gte=since) | Q(done_on__isnull=True))
        .select_related("project__client")
        .order_by("due_on", "pk")
    )
    for milestone in milestones:
        where = f"{milestone.project.client.name} · {milestone.project.title}"
        done = _(" (done)") if milestone.done_on else ""
        yield Day(
            "milestone-due",
            milestone.pk,
            milestone.due_on,
            _("Milestone due: %(title)s%(done)s") % {"title": milestone.title, "done": done},
            where,
        )
        if milestone.forecast_on and milestone.forecast_on != milestone.due_on:
            yield Day(
                "milestone-forecast",
                milestone.pk,
                milestone.forecast_on,
                _("Milestone expected: %(title)s") % {"title": milestone.title},
                f"{where}\n{milestone.delay_reason}".strip(),
            )


def _deadline_days(user: Any, since: datetime.date) -> Iterator[Day]:
    """Yield the deadline of each open project."""
    projects = (
        Project.objects.owned_by(user)
        .open()
        .filter(deadline_on__gte=since)
        .select_related("client")
        .order_by("deadline_on", "pk")
    )
    for project in projects:
        summary = _("Deadline: %(title)s") % {"title": project.title}
        yield Day("project-deadline", project.pk, project.deadline_on, summary, project.client.name)


def _invoice_days(user: Any) -> Iterator[Day]:
    """Yield the due date of each unpaid invoice."""
    invoices = (
        Invoice.objects.owned_by(user)
        .unpaid()
        .filter(due_on__isnull=False)
        .select_related("client")
        .order_by("due_on", "pk")
    )
    for invoice in invoices:
        summary = _("Invoice %(number)s due") % {"number": invoice.number}
        yield Day("invoice-due", invoice.pk, invoice.due_on, summary, invoice.client.name)


def _event(
    *,
    uid: str,
    stamp: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
    summary: str,
    description: str,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)  # a date makes icalendar write VALUE=DATE (an all-day event)
    event.add("dtend", end)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def _all_day(day: Day, *, domain: str, stamp: datetime.datetime) -> Event:
    return _event(
        uid=f"{day.kind}-{day.pk}@{domain}",
        stamp=stamp,
        start=day.day,
        end=day.day + datetime.timedelta(days=1),
        summary=day.summary,
        description=day.description,
    )


def _send_events(user: Any, *, domain: str, stamp: datetime.datetime) -> Iterator[Event]:
    """Yield each scheduled message at its send time (a short event, in UTC)."""
    messages = (
        Message.objects.owned_by(user)
        .filter(status=Message.Status.SCHEDULED, send_after__isnull=False)
        .select_related("client")
        .order_by("send_after", "pk")
    )
    for message in messages:
        start = message.send_after.astimezone(datetime.UTC).replace(microsecond=0)
        yield _event(
            uid=f"message-{message.pk}@{domain}",
            stamp=stamp,
            start=start,
            end=start + datetime.timedelta(minutes=SEND_MINUTES),
            summary=_("Goes out: %(subject)s") % {"subject": message.subject},
            description=message.client.name,
        )


def calendar_build(*, user: Any, now: datetime.datetime, domain: str = "") -> bytes:
    """Return the user's iCalendar feed: open projects' dates from PAST_DAYS ago onwards, unpaid
    invoices' due dates and scheduled sends. Read-only."""
    domain = domain or urlsplit(settings.SITE_URL).hostname or "kundenpflege.invalid"
    since = timezone.localdate(now) - datetime.timedelta(days=PAST_DAYS)
    stamp = now.astimezone(datetime.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//Kundenpflege CRM//calendar feed//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Client work"))
    days = chain(_milestone_days(user, since), _deadline_days(user, since), _invoice_days(user))
    for day in days:
        calendar.add_component(_all_day(day, domain=domain, stamp=stamp))
    for event in _send_events(user, domain=domain, stamp=stamp):
        calendar.add_component(event)
    return calendar.to_ical()
