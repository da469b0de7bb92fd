"""Retainers and recurring invoices: their periods, pro rata, and the planner that drafts the
invoices on the agreed day.

- ``periods``: calendar periods, the day each invoice is drafted, coverage and pro rata;
- ``hours``: the hours a retainer counts, and its month so far;
- ``planner``: claims due retainers and plans their periods (fee, hours, expenses);
- ``invoices``: writes the planned periods' draft invoices, in bulk;
- ``agreements``: save and end an agreement (the freelancer's forms).

Rules (docs/time.md):

* Periods are calendar months, quarters (January, April, July, October) or years. A retainer
  is monthly.
* A retainer is billed in arrears: the invoice for a month is drafted on the agreed day of the
  next month, with the month's fee and the hours worked beyond the included ones at the
  overage rate, because only then are the month's hours complete. A plain recurring invoice
  is billed in advance: drafted on the agreed day of the period's first month (or on the start
  date, when that is later).
* A period the agreement covers only in part (it starts or ends inside it) is billed pro rata
  by days, included hours too, and the invoice says so.
* Time covered by a retainer (its project, or all of the client's projects) is billed by the
  retainer, never as separate time; billable expenses of the project go on the next draft.
* Never two invoices for one period: each period the planner handles gets a BillingPeriod row,
  unique per (retainer, period start), and the planner claims retainers with
  ``SELECT ... FOR UPDATE SKIP LOCKED``, re-reading their next due date under the lock.
"""

from .agreements import retainer_end, retainer_save
from .hours import covered_entries, retainer_month
from .periods import (
    Coverage,
    coverage,
    draft_day,
    notice_end,
    period_containing,
    period_label,
    pro_rata_text,
    schedule,
    schedule_reset,
)
from .planner import BATCH_SIZE, PLAN_LIMIT, retainers_plan

__all__ = [
    "BATCH_SIZE",
    "PLAN_LIMIT",
    "Coverage",
    "coverage",
    "covered_entries",
    "draft_day",
    "notice_end",
    "period_containing",
    "period_label",
    "pro_rata_text",
    "retainer_end",
    "retainer_month",
    "retainer_save",
    "retainers_plan",
    "schedule",
    "schedule_reset",
]
