"""Services of time tracking: every write, one module per subdomain.

- ``common``: ``TimeError``, the checks every write shares, the hours of a set of entries;
- ``rates``: the freelancer's time settings, client rates, the rate for new time, per-project
  settings;
- ``timer``: start, stop, keep and cut the running timer;
- ``entries``: time entries and the cells of the week grid;
- ``change_requests``: out-of-scope time becomes a change request;
- ``expenses``: expenses and their receipts.

Views, tasks, demo data and tests call these functions through this package
(``services.timer_start(...)``). A rule that is broken raises ``TimeError`` with a message fit
for the freelancer's eyes. Retainers and recurring invoices have their own package,
``timetracking.retainers``; invoicing time is ``timetracking.billing``.
"""

from .change_requests import change_request_from_time, flagged_entries
from .common import TimeError, check_parts, hours_of, milestones_touched, refuse_locked
from .entries import (
    CellChange,
    entry_create,
    entry_delete,
    entry_update,
    overlapping_count,
    overlaps,
    week_cells_save,
)
from .expenses import expense_delete, expense_save
from .rates import (
    client_rate_set,
    project_hours_in_portal_set,
    project_settings_for,
    rate_for,
    settings_for,
    settings_save,
)
from .timer import TimerStart, timer_cut_default, timer_keep, timer_running, timer_start, timer_stop

__all__ = [
    "CellChange",
    "TimeError",
    "TimerStart",
    "change_request_from_time",
    "check_parts",
    "client_rate_set",
    "entry_create",
    "entry_delete",
    "entry_update",
    "expense_delete",
    "expense_save",
    "flagged_entries",
    "hours_of",
    "milestones_touched",
    "overlapping_count",
    "overlaps",
    "project_hours_in_portal_set",
    "project_settings_for",
    "rate_for",
    "refuse_locked",
    "settings_for",
    "settings_save",
    "timer_cut_default",
    "timer_keep",
    "timer_running",
    "timer_start",
    "timer_stop",
    "week_cells_save",
]
