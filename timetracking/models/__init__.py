"""Models of time tracking, one module per subdomain; Django and every import find them here.

- ``base``: what they share (the cent, the hours field, billed work is never deleted);
- ``settings``: the freelancer's time settings, client rates, per-project settings;
- ``entries``: the running timer and time entries;
- ``expenses``: expenses and their receipts;
- ``retainers``: retainers, recurring invoices and their billing periods;
- ``forecasts``: milestone forecasts written by the hours.

Durations are stored in seconds of true elapsed time (UTC instants subtracted), so an entry
across midnight or across a daylight-saving change counts what the clock on the wall did not.
The hourly rate is copied onto each entry when it is made, so a later rate change never
reprices work already done.
"""

from .base import CENT, HOURS, protect_invoiced
from .entries import TimeEntry, Timer
from .expenses import Expense, receipt_path
from .forecasts import HoursForecast
from .retainers import BillingPeriod, Retainer
from .settings import ClientRate, Grouping, ProjectTimeSettings, Rounding, TimeSettings

__all__ = [
    "CENT",
    "HOURS",
    "BillingPeriod",
    "ClientRate",
    "Expense",
    "Grouping",
    "HoursForecast",
    "ProjectTimeSettings",
    "Retainer",
    "Rounding",
    "TimeEntry",
    "TimeSettings",
    "Timer",
    "protect_invoiced",
    "receipt_path",
]
