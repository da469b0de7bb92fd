"""The private calendar feed (RFC 5545): milestones, deadlines, invoice due dates, sends.

``/calendar/<token>.ics`` is read by calendar apps that cannot log in, so the token (the
freelancer's ``Profile.calendar_token``, regenerable on the privacy page) is the key: a wrong or
old token answers 404. UIDs are derived from the row ids, so an app that re-reads the feed
updates its events instead of duplicating them.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from communications.models import Message
from crm.models import Profile
from projects.models import Invoice, Milestone, Project

PAST_DAYS = 90
OPEN_STATUSES = (
    Project.Status.LEAD,
    Project.Status.OFFERED,
    Project.Status.ACTIVE,
    Project.Status.ON_HOLD,
)
# URL-safe base64 as secrets.token_urlsafe makes it; anything else never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _uid(kind: str, pk: int, domain: str) -> str:
    return f"{kind}-{pk}@{domain}"


def _all_day(
    *, uid: str, day: datetime.date, summary: str, description: str, stamp: datetime.datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)  # a date, so icalendar writes VALUE=DATE
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def calendar_build(*, user: Any, now: datetime.datetime, domain: str = "") -> bytes:
    """Return the user's iCalendar feed: open projects' dates from PAST_DAYS ago onwards."""
    domain = domain or urlsplit(settings.SITE_URL).hostname or "kundenpflege.invalid"
    since = timezone.localdate(now) - datetime.timedelta(days=PAST_DAYS)
    calendar = Calendar()
    calendar.add("prodid", "-//Kundenpflege CRM//calendar feed//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Client work"))
    stamp = now.astimezone(datetime.UTC).replace(microsecond=0)

    milestones = (
        Milestone.objects.owned_by(user)
        .filter(project__status__in=OPEN_STATUSES)
        .filter(Q(due_on__gte=since) | Q(forecast_on__gte=since) | Q(done_on__isnull=True))
        .select_related("project__client")
        .order_by("due_on", "pk")
    )
    for milestone in milestones:
        project = milestone.project
        where = f"{project.client.name} · {project.title}"
        done = _(" (done)") if milestone.done_on else ""
        calendar.add_component(
            _all_day(
                uid=_uid("milestone-due", milestone.pk, domain),
                day=milestone.due_on,
                summary=_("Milestone due: %(title)s%(done)s")
                % {
                    "title": milestone.title,
                    "done": done,
                },
                description=where,
                stamp=stamp,
            )
        )
        if milestone.forecast_on and milestone.forecast_on != milestone.due_on:
            calendar.add_component(
                _all_day(
                    uid=_uid("milestone-forecast", milestone.pk, domain),
                    day=milestone.forecast_on,
                    summary=_("Milestone expected: %(title)s") % {"title": milestone.title},
                    description=f"{where}\n{milestone.delay_reason}".strip(),
                    stamp=stamp,
                )
            )

    projects = (
        Project.objects.owned_by(user)
        .filter(status__in=OPEN_STATUSES, deadline_on__gte=since)
        .select_related("client")
        .order_by("deadline_on", "pk")
    )
    for project in projects:
        calendar.add_component(
            _all_day(
                uid=_uid("project-deadline", project.pk, domain),
                day=project.deadline_on,
                summary=_("Deadline: %(title)s") % {"title": project.title},
                description=project.client.name,
                stamp=stamp,
            )
        )

    invoices = (
        Invoice.objects.owned_by(user)
        .unpaid()
        .filter(due_on__isnull=False)
        .select_related("client")
        .order_by("due_on", "pk")
    )
    for invoice in invoices:
        calendar.add_component(
            _all_day(
                uid=_uid("invoice-due", invoice.pk, domain),
                day=invoice.due_on,
                summary=_("Invoice %(number)s due") % {"number": invoice.number},
                description=invoice.client.name,
                stamp=stamp,
            )
        )

    messages = (
        Message.objects.owned_by(user)
        .filter(status=Message.Status.SCHEDULED, send_after__isnull=False)
        .select_related("client")
        .order_by("send_after", "pk")
    )
    for message in messages:
        event = Event()
        event.add("uid", _uid("message", message.pk, domain))
        event.add("dtstamp", stamp)
        start = message.send_after.astimezone(datetime.UTC).replace(microsecond=0)
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(minutes=15))
        event.add("summary", _("Goes out: %(subject)s") % {"subject": message.subject})
        event.add("description", message.client.name)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve the feed of the freelancer whose calendar token this is exactly; else 404."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise Http404
    profile = Profile.objects.select_related("user").filter(calendar_token=token).first()
    if profile is None or not profile.user.is_active:
        raise Http404
    with translation.override(profile.language or settings.LANGUAGE_CODE):
        content = calendar_build(
            user=profile.user, now=timezone.now(), domain=urlsplit(settings.SITE_URL).hostname or ""
        )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kundenpflege.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
