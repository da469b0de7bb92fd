"""When a message may go out: the freelancer's settings, per-client overrides, quiet hours.

All decisions are made in the freelancer's time zone (``profile.time_zone``); times are stored
in UTC. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .models import ClientCommunication, CommunicationSettings

DEFAULT_TIME_ZONE = "Europe/Berlin"


@dataclass(frozen=True)
class Rules:
    """The effective communication settings for one freelancer (and maybe one client)."""

    time_zone: str = DEFAULT_TIME_ZONE
    min_gap_days: int = 3
    quiet_from: datetime.time = datetime.time(19, 0)
    quiet_until: datetime.time = datetime.time(8, 0)
    send_on_weekends: bool = False
    status_update_mode: str = "auto"
    nothing_new: str = "skip"
    delay_notice_mode: str = "draft"
    reminder_mode: str = "draft"
    reminder_offsets: tuple[int, int, int] = (3, 14, 28)
    # Grace days before the first reminder, per relationship: (new, regular, loyal).
    grace_days: tuple[int, int, int] = (0, 3, 7)
    keep_in_touch_weeks: int = 6
    reply_pause_days: int = 3

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)

    def local_date(self, now: datetime.datetime) -> datetime.date:
        return now.astimezone(self.tz).date()

    def grace_for(self, relationship: str) -> int:
        """Return the grace days before the first reminder for a client's relationship."""
        index = {"new": 0, "regular": 1, "loyal": 2}.get(relationship, 0)
        return self.grace_days[index]

    def reminder_wait(self, level: int, relationship: str) -> int:
        """Return the days level ``level`` waits: level 1 after the due date (plus grace),
        a higher level after the lower one was sent (the difference of their offsets)."""
        if level == 1:
            return self.reminder_offsets[0] + self.grace_for(relationship)
        return self.reminder_offsets[level - 1] - self.reminder_offsets[level - 2]

    def with_client(self, override: ClientCommunication | None) -> Rules:
        """Return these rules with a client's overrides applied (empty fields inherit)."""
        if override is None:
            return self
        changes: dict[str, Any] = {}
        for name in ClientCommunication.OVERRIDE_FIELDS:
            value = getattr(override, name)
            if value is not None and value != "":
                changes[name] = value
        return replace(self, **changes)


def _rules_from(row: CommunicationSettings | None, time_zone: str) -> Rules:
    if row is None:
        return Rules(time_zone=time_zone)
    return Rules(
        time_zone=time_zone,
        min_gap_days=row.min_gap_days,
        quiet_from=row.quiet_from,
        quiet_until=row.quiet_until,
        send_on_weekends=row.send_on_weekends,
        status_update_mode=row.status_update_mode,
        nothing_new=row.nothing_new,
        delay_notice_mode=row.delay_notice_mode,
        reminder_mode=row.reminder_mode,
        reminder_offsets=(row.reminder_1_days, row.reminder_2_days, row.reminder_3_days),
        grace_days=(row.grace_new_days, row.grace_regular_days, row.grace_loyal_days),
        keep_in_touch_weeks=row.keep_in_touch_weeks,
        reply_pause_days=row.reply_pause_days,
    )


def rules_for_owners(owner_ids: Iterable[int]) -> dict[int, Rules]:
    """Return the rules of several freelancers in two queries (missing rows: defaults)."""
    from crm.models import Profile

    owner_ids = set(owner_ids)
    zones = dict(Profile.objects.filter(user_id__in=owner_ids).values_list("user_id", "time_zone"))
    rows = {
        row.owner_id: row for row in CommunicationSettings.objects.filter(owner_id__in=owner_ids)
    }
    return {
        owner_id: _rules_from(rows.get(owner_id), zones.get(owner_id) or DEFAULT_TIME_ZONE)
        for owner_id in owner_ids
    }


def rules_for(owner_id: int, client_id: int | None = None) -> Rules:
    """Return the effective rules for a freelancer, with one client's overrides if given."""
    rules = rules_for_owners([owner_id])[owner_id]
    if client_id is not None:
        rules = rules.with_client(ClientCommunication.objects.filter(client_id=client_id).first())
    return rules


def client_overrides(client_ids: Iterable[int]) -> dict[int, ClientCommunication]:
    """Return the per-client overrides of several clients in one query."""
    return {
        row.client_id: row for row in ClientCommunication.objects.filter(client_id__in=client_ids)
    }


def _is_quiet(local: datetime.datetime, rules: Rules) -> bool:
    start, end, moment = rules.quiet_from, rules.quiet_until, local.time()
    if start == end:
        return False
    if start > end:  # wraps midnight, e.g. 19:00-08:00
        return moment >= start or moment < end
    return start <= moment < end


def send_time(
    *,
    rules: Rules,
    now: datetime.datetime,
    last_contact_at: datetime.datetime | None = None,
    urgent: bool = False,
) -> datetime.datetime:
    """Return the earliest moment a message may go out.

    Routine messages keep the minimum gap after the last contact; urgent ones (delay notices)
    may break the gap but never the quiet hours or a weekend.
    """
    moment = now
    if not urgent and last_contact_at is not None and rules.min_gap_days:
        moment = max(moment, last_contact_at + datetime.timedelta(days=rules.min_gap_days))
    tz = rules.tz
    local = moment.astimezone(tz)
    for _step in range(10):
        if not rules.send_on_weekends and local.weekday() >= 5:
            day = local.date() + datetime.timedelta(days=7 - local.weekday())
            local = datetime.datetime.combine(day, rules.quiet_until, tzinfo=tz)
            continue
        if _is_quiet(local, rules):
            day = local.date()
            if rules.quiet_from > rules.quiet_until and local.time() >= rules.quiet_from:
                day += datetime.timedelta(days=1)
            local = datetime.datetime.combine(day, rules.quiet_until, tzinfo=tz)
            continue
        break
    return local.astimezone(datetime.UTC)
