"""factory_boy factories for time entries, expenses and retainers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from timetracking.models import Expense, Retainer, TimeEntry


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """A duration-only entry of one hour (pass started_at/ended_at for a timed one)."""

    class Meta:
        model = TimeEntry

    owner = factory.SelfAttribute("project.owner")
    work_on = datetime.date(2026, 11, 23)
    seconds = 3600
    description = factory.Sequence(lambda n: f"Work {n}")
    hourly_rate = Decimal("80.00")


class ExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expense

    owner = factory.SelfAttribute("project.owner")
    spent_on = datetime.date(2026, 11, 20)
    description = "Stock photos"
    amount = Decimal("119.00")
    vat_rate = Decimal("19.00")


class RetainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Retainer

    owner = factory.SelfAttribute("project.owner")
    kind = Retainer.Kind.RETAINER
    title = "Website care"
    interval = Retainer.Interval.MONTHLY
    amount = Decimal("1200.00")
    included_hours = Decimal("15.00")
    overage_rate = Decimal("90.00")
    starts_on = datetime.date(2026, 9, 1)
    invoice_day = 1
