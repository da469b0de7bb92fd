"""When a message will go out, and why then, in words for the freelancer.

"Approved" alone leaves the freelancer guessing at 05:10 why nothing arrived: this module says
"goes today at 08:00, after your quiet hours". The reason is read from the send time and the
rules that produced it (``rules.send_time``): the end of the quiet hours, the Monday after a
weekend, the minimum gap after the last message to the client, or the time the freelancer set.
Nothing here writes.
"""

from __future__ import annotations

import datetime

from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Message
from .rules import Rules, rules_for, send_time

NOW = "now"
QUIET_HOURS = "quiet_hours"
WEEKEND = "weekend"
GAP = "gap"
SET = "set"


def send_reason(
    *,
    rules: Rules,
    at: datetime.datetime,
    now: datetime.datetime,
    last_contact_at: datetime.datetime | None,
    routine: bool,
) -> str:
    """Return why a message goes at ``at``: NOW, WEEKEND, QUIET_HOURS, GAP or SET."""
    if at <= now + datetime.timedelta(minutes=1):
        return NOW
    local = at.astimezone(rules.tz)
    at_morning = local.time().replace(second=0, microsecond=0) == rules.quiet_until
    after_weekend = now.astimezone(rules.tz).weekday() >= 5 or (local.date() - now.date()).days >= 2
    if at_morning and not rules.send_on_weekends and local.weekday() == 0 and after_weekend:
        return WEEKEND
    if routine and last_contact_at is not None and rules.min_gap_days:
        gap_end = last_contact_at + datetime.timedelta(days=rules.min_gap_days)
        by_gap = abs((at - gap_end).total_seconds()) < 60 or (at_morning and gap_end < at)
        if by_gap and gap_end > now:
            return GAP
    if at_morning:
        return QUIET_HOURS
    return SET


def _when_text(at: datetime.datetime, rules: Rules, now: datetime.datetime) -> str:
    local = at.astimezone(rules.tz)
    clock = f"{local:%H:%M}"
    today = now.astimezone(rules.tz).date()
    if local.date() == today:
        return _("today at %(time)s") % {"time": clock}
    if local.date() == today + datetime.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": clock}
    return _("on %(date)s at %(time)s") % {
        "date": formats.date_format(local.date(), "SHORT_DATE_FORMAT"),
        "time": clock,
    }


def _last_contact_before(message: Message) -> datetime.datetime | None:
    """Return the client's last other message moment (sent, or scheduled before this one)."""
    others = Message.objects.filter(
        client_id=message.client_id,
        status__in=[
            Message.Status.SENT,
            Message.Status.SCHEDULED,
            Message.Status.SENDING,
            Message.Status.UNCERTAIN,
        ],
    ).exclude(pk=message.pk)
    if message.send_after is not None and message.status == Message.Status.SCHEDULED:
        others = others.filter(send_after__lt=message.send_after) | others.filter(
            sent_at__isnull=False
        )
    return others.aggregate(last=Max(Coalesce("sent_at", "send_after")))["last"]


def message_timing(message: Message, *, now: datetime.datetime | None = None) -> str:
    """Return when ``message`` will go out and why, or "" when that is not a question any more.

    A draft waits for approval (and says when it would go once approved); a scheduled message
    says when it goes and why then (in the active language: the freelancer's).
    """
    now = now or timezone.now()
    if message.status not in {Message.Status.DRAFT, Message.Status.SCHEDULED}:
        return ""
    rules = rules_for(message.owner_id, message.client_id)
    last = _last_contact_before(message)
    if message.status == Message.Status.DRAFT:
        earliest = max(now, message.send_after) if message.send_after else now
        at = send_time(
            rules=rules, now=earliest, last_contact_at=last, urgent=not message.is_routine
        )
        prefix = _("Waits for your approval; once approved it goes")
    else:
        at = message.send_after or now
        prefix = _("Goes out")
    reason = send_reason(
        rules=rules, at=at, now=now, last_contact_at=last, routine=message.is_routine
    )
    if reason == NOW:
        return _("%(prefix)s within the next minute.") % {"prefix": prefix}
    why = {
        QUIET_HOURS: _("after your quiet hours"),
        WEEKEND: _("after the weekend (you send no mail at weekends)"),
        GAP: _("keeping the minimum gap of %(days)s days after the last message to this client")
        % {"days": rules.min_gap_days},
        SET: _("at the time set"),
    }[reason]
    return _("%(prefix)s %(when)s, %(why)s.") % {
        "prefix": prefix,
        "when": _when_text(at, rules, now),
        "why": why,
    }
