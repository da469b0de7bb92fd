"""Periods of a retainer: calendar months, quarters and years, the day each one's invoice is
drafted, the part of a period an agreement covers (pro rata), and how the invoice names them."""

from __future__ import annotations

import calendar
import datetime
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, translation

from ..models import CENT, BillingPeriod, Retainer
from ..wording import date_text

DAY = datetime.timedelta(days=1)


def period_containing(interval: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the calendar period of ``interval`` that holds ``day``."""
    if interval == Retainer.Interval.YEARLY:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    if interval == Retainer.Interval.QUARTERLY:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = datetime.date(day.year, first_month, 1)
        last_month = first_month + 2
        return start, datetime.date(
            day.year, last_month, calendar.monthrange(day.year, last_month)[1]
        )
    return (
        datetime.date(day.year, day.month, 1),
        datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]),
    )


def draft_day(retainer: Retainer, period_start: datetime.date) -> datetime.date:
    """Return the day the invoice of the period starting ``period_start`` is drafted."""
    _start, period_end = period_containing(retainer.interval, period_start)
    if retainer.kind == Retainer.Kind.RETAINER:
        month = period_end + DAY
        return datetime.date(month.year, month.month, retainer.invoice_day)
    day = datetime.date(period_start.year, period_start.month, retainer.invoice_day)
    return max(day, retainer.starts_on)


def schedule(retainer: Retainer, period_start: datetime.date | None) -> None:
    """Set the retainer's next period and the day its invoice is due (None: nothing left)."""
    if period_start is None or (retainer.ends_on and period_start > retainer.ends_on):
        retainer.next_period_on = None
        retainer.next_draft_on = None
        return
    retainer.next_period_on = period_start
    retainer.next_draft_on = draft_day(retainer, period_start)


def schedule_reset(retainer: Retainer) -> None:
    """Schedule from the last period already handled (after an edit, or a new retainer)."""
    last = (
        BillingPeriod.objects.filter(retainer_id=retainer.pk).order_by("-starts_on").first()
        if retainer.pk
        else None
    )
    if last is not None:
        schedule(retainer, last.ends_on + DAY)
    else:
        schedule(retainer, period_containing(retainer.interval, retainer.starts_on)[0])


@dataclass
class Coverage:
    """The part of a period an agreement covers."""

    period_start: datetime.date
    period_end: datetime.date
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def is_partial(self) -> bool:
        return self.days < self.period_days

    def share(self, amount: Decimal) -> Decimal:
        """Return ``amount`` pro rata by days (the whole amount for a whole period)."""
        if not self.is_partial:
            return amount
        return (amount * self.days / self.period_days).quantize(CENT, rounding=ROUND_HALF_UP)


def coverage(retainer: Retainer, period_start: datetime.date) -> Coverage:
    """Return the period starting ``period_start`` and the part of it the agreement covers."""
    start, end = period_containing(retainer.interval, period_start)
    return Coverage(
        period_start=start,
        period_end=end,
        start=max(start, retainer.starts_on),
        end=min(end, retainer.ends_on) if retainer.ends_on else end,
    )


def period_label(retainer: Retainer, period_start: datetime.date, language: str) -> str:
    """Return "November 2026", "Q1 2027" or "2027" in the client's language."""
    if retainer.interval == Retainer.Interval.YEARLY:
        return str(period_start.year)
    if retainer.interval == Retainer.Interval.QUARTERLY:
        return f"Q{(period_start.month - 1) // 3 + 1} {period_start.year}"
    return _month_label(period_start, language)


@functools.lru_cache(maxsize=256)
def _month_label(month: datetime.date, language: str) -> str:
    """Return the month's name and year in ``language`` (cached: a batch asks for few)."""
    with translation.override(language):
        return formats.date_format(month, "F Y")


def pro_rata_text(retainer: Retainer, cover: Coverage, language: str) -> str:
    """Return the sentence that states a pro-rata amount on the invoice ("" if whole)."""
    if not cover.is_partial:
        return ""
    label = period_label(retainer, cover.period_start, language)
    first, last = date_text(cover.start, language), date_text(cover.end, language)
    ends = retainer.ends_on is not None and cover.end == retainer.ends_on
    day = last if ends else first
    if language == "de":
        return (
            f"Die Vereinbarung „{retainer.title}“ {'endet' if ends else 'beginnt'} am {day}; "
            f"der Betrag für {label} ist anteilig berechnet: {first} – {last}, "
            f"{cover.days} von {cover.period_days} Tagen."
        )
    return (
        f"The agreement “{retainer.title}” {'ends' if ends else 'starts'} on {day}; "
        f"the amount for {label} is charged pro rata: {first} – {last}, "
        f"{cover.days} of {cover.period_days} days."
    )


def notice_end(retainer: Retainer, today: datetime.date) -> datetime.date:
    """Return the earliest end if notice is given ``today``: notice period, then month end."""
    earliest = today + datetime.timedelta(days=retainer.notice_days)
    return period_containing(Retainer.Interval.MONTHLY, earliest)[1]
