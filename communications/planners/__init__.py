"""Planners: decide what should be said and write it to the outbox as draft or scheduled rows.

One module per kind of message, all built on ``base`` and writing through
``communications.outbox``:

* ``status_updates``: per project, on the agreed weekday and cadence;
* ``delay_notices``: when a milestone slips;
* ``reminders``: payment reminders by level (``reminder_upkeep`` keeps unsent ones in line
  with payments, cancellations and pauses);
* ``keep_in_touch``: a draft some weeks after a client's last project ended.

Each planner is a plain function of ``now``, called by the periodic task ``plan_messages``
through ``messages_plan``. Each is idempotent and safe to overlap: it selects only the rows
whose dedupe key does not exist yet (an index-backed NOT EXISTS), and the unique (owner,
dedupe_key) constraint turns a race between two planners into one row
(``bulk_create(ignore_conflicts=True)``). Work per run is capped (``limit``), so a backlog is
worked off over a few runs instead of in one long transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from ..holds import messages_hold_for_pause
from .delay_notices import delay_notices_plan
from .keep_in_touch import keep_in_touch_plan
from .reminders import reminders_plan
from .status_updates import status_updates_plan


def messages_plan(
    *, now: datetime.datetime | None = None, owner_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Run every planner once; return rows created per planner. Safe to run twice and overlap."""
    now = now or timezone.now()
    # Messages that were waiting when a client was paused are held first (holds.py).
    messages_hold_for_pause(now=now)
    return {
        "delay_notices": delay_notices_plan(now=now, owner_ids=owner_ids),
        "reminders": reminders_plan(now=now, owner_ids=owner_ids),
        "status_updates": status_updates_plan(now=now, owner_ids=owner_ids),
        "keep_in_touch": keep_in_touch_plan(now=now, owner_ids=owner_ids),
    }
