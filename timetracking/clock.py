"""Local time for time entries: the freelancer's wall clock in, true elapsed time out.

Entries are typed in the freelancer's time zone and stored as UTC instants. Two traps:

* Python subtracts two aware datetimes *in the same zone object* by their wall-clock values,
  ignoring a DST change in between; durations are therefore always taken between UTC instants.
* On the day the clocks go back (e.g. 2026-10-25 in Europe/Berlin) 02:00-02:59 happens twice;
  a typed time in that hour means its first occurrence (``fold=0``). On the day they jump
  forward 02:00-02:59 does not exist at all, and such a time is refused with a clear message.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

UTC = datetime.UTC
MAX_DURATION = datetime.timedelta(hours=24)


class ClockError(ValueError):
    """A typed time or duration that cannot be used; the message is for the freelancer."""


def zone_of(user: Any) -> zoneinfo.ZoneInfo:
    """Return the freelancer's time zone (the default zone if theirs is unknown)."""
    name = getattr(getattr(user, "profile_or_default", None), "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_instant(
    day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """Return the UTC instant of the wall-clock ``time`` on ``day`` in ``zone``.

    An ambiguous time (the hour that repeats) is its first occurrence; a time that does not
    exist (the hour that is skipped) raises ClockError.
    """
    wall = datetime.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    aware = wall.replace(tzinfo=zone)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ClockError(
            _("%(time)s does not exist on %(day)s: the clocks jump forward that night.")
            % {"time": time.strftime("%H:%M"), "day": day.isoformat()}
        )
    return instant


def span(
    day: datetime.date, start: datetime.time, end: datetime.time, zone: zoneinfo.ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the UTC start and end of work typed as ``start``-``end`` on ``day``.

    An end before the start means the work went past midnight into the next day; an end equal
    to the start is a zero duration and refused.
    """
    if end == start:
        raise ClockError(_("The end must lie after the start."))
    started = local_instant(day, start, zone)
    end_day = day if end > start else day + datetime.timedelta(days=1)
    ended = local_instant(end_day, end, zone)
    if ended <= started:
        raise ClockError(_("The end must lie after the start."))
    if ended - started > MAX_DURATION:
        raise ClockError(_("One entry can be at most 24 hours long."))
    return started, ended


def elapsed_seconds(started: datetime.datetime, ended: datetime.datetime) -> int:
    """Return the true elapsed seconds between two instants (UTC arithmetic, DST-proof)."""
    return int((ended.astimezone(UTC) - started.astimezone(UTC)).total_seconds())


DURATION = re.compile(
    r"^\s*(?:(?P<h>\d{1,2}):(?P<m>[0-5]?\d)|(?P<dec>\d{0,4}(?:[.,]\d{0,2})?)\s*(?P<unit>h|std|m|min)?)\s*$",
    re.IGNORECASE,
)


def parse_duration(text: str) -> int | None:
    """Return seconds for a typed duration, or None for an empty one.

    Accepts "1:30", "1,5", "1.5", "1.5h", "90m" / "90 min". Zero and negative durations and
    anything above 24 hours raise ClockError.
    """
    value = (text or "").strip()
    if not value:
        return None
    if value.startswith("-"):
        raise ClockError(_("A duration cannot be negative."))
    match = DURATION.match(value)
    if not match:
        raise ClockError(_("Type a duration such as 1:30, 1,5 or 90m."))
    if match["h"] is not None:
        seconds = int(match["h"]) * 3600 + int(match["m"]) * 60
    else:
        number = (match["dec"] or "").replace(",", ".")
        if number in {"", "."}:
            raise ClockError(_("Type a duration such as 1:30, 1,5 or 90m."))
        try:
            amount = Decimal(number)
        except InvalidOperation as exc:
            raise ClockError(_("Type a duration such as 1:30, 1,5 or 90m.")) from exc
        unit = (match["unit"] or "h").lower()
        factor = 60 if unit in {"m", "min"} else 3600
        seconds = int((amount * factor).to_integral_value())
    if seconds <= 0:
        raise ClockError(_("A duration must be more than zero."))
    if seconds > MAX_DURATION.total_seconds():
        raise ClockError(_("One entry can be at most 24 hours long."))
    return seconds


def hours_text(seconds: int) -> str:
    """Return seconds as h:mm (e.g. 5400 -> "1:30"), rounded to the minute."""
    minutes = (int(seconds) + 30) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return Monday and Sunday of the ISO week that holds ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)
