"""Retainers and recurring invoices: periods, pro rata, and a planner that never bills twice."""

from __future__ import annotations

import datetime
import inspect
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from crm.testing import assert_owner_only
from projects.models import Invoice
from projects.services.invoices import invoice_delete
from timetracking import retainers
from timetracking.models import BillingPeriod, Expense, Retainer, TimeEntry

from .factories import ExpenseFactory, RetainerFactory, TimeEntryFactory

UTC = datetime.UTC


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def saved(**fields: Any) -> Retainer:
    retainer = RetainerFactory.build(**fields)
    return retainers.retainer_save(retainer=retainer, actor=retainer.project.owner)


@pytest.mark.parametrize(
    ("interval", "day", "expected"),
    [
        ("monthly", "2026-02-14", ("2026-02-01", "2026-02-28")),
        ("quarterly", "2026-11-23", ("2026-10-01", "2026-12-31")),
        ("quarterly", "2027-01-01", ("2027-01-01", "2027-03-31")),
        ("yearly", "2026-06-30", ("2026-01-01", "2026-12-31")),
    ],
)
def test_it_knows_calendar_periods(interval: str, day: str, expected: tuple[str, str]) -> None:
    start, end = retainers.period_containing(interval, datetime.date.fromisoformat(day))
    assert (start.isoformat(), end.isoformat()) == expected


def test_it_drafts_a_retainer_month_in_arrears_with_the_overage(alice: Any, project: Any) -> None:
    retainer = saved(project=project, starts_on=datetime.date(2026, 10, 1), invoice_day=3)
    assert retainer.next_draft_on == datetime.date(2026, 11, 3)
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 10, 5), seconds=12 * 3600)
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 10, 20), seconds=5 * 3600)
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 11, 2), seconds=3600)  # November
    assert retainers.retainers_plan(now=at("2026-11-02")) == 0
    assert retainers.retainers_plan(now=at("2026-11-03")) == 1
    invoice = Invoice.objects.get()
    lines = [
        (line.description, line.quantity, line.unit, line.unit_price)
        for line in invoice.lines.order_by("position")
    ]
    assert lines == [
        ("Website care – Oktober 2026", Decimal("1.00"), "Monat", Decimal("1200.00")),
        (
            "Zusätzliche Stunden Oktober 2026: 17,00 Std. gearbeitet, 15,00 Std. inklusive",
            Decimal("2.00"),
            "Std.",
            Decimal("90.00"),
        ),
    ]
    assert (invoice.status, invoice.delivery_from, invoice.delivery_to) == (
        Invoice.Status.DRAFT,
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    assert TimeEntry.objects.filter(invoice=invoice).count() == 2
    period = BillingPeriod.objects.get()
    assert (period.hours, period.overage_hours) == (Decimal("17.00"), Decimal("2.00"))
    retainer.refresh_from_db()
    assert retainer.next_draft_on == datetime.date(2026, 12, 3)
    # The retainer's time is never billed again as plain time.
    from timetracking import billing

    assert billing.time_invoice_plan(project=project).entries == []


def test_it_bills_a_retainer_that_ends_mid_month_pro_rata_and_says_so(
    alice: Any, project: Any
) -> None:
    saved(
        project=project,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 11, 15),
        included_hours=Decimal("20"),
        amount=Decimal("1500.00"),
    )
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 11, 10), seconds=12 * 3600)
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 11, 20), seconds=3600)  # after
    assert retainers.retainers_plan(now=at("2027-01-05")) == 2
    november = Invoice.objects.get(delivery_from=datetime.date(2026, 11, 1))
    assert november.delivery_to == datetime.date(2026, 11, 15)
    fee, extra = november.lines.order_by("position")
    assert fee.unit_price == Decimal("750.00")  # 1500 x 15 / 30
    assert fee.description == "Website care – November 2026 (anteilig 15 von 30 Tagen)"
    assert extra.quantity == Decimal("2.00")  # 12 h worked, 10 h included (20 x 15 / 30)
    assert "anteilig berechnet: 01.11.2026 – 15.11.2026, 15 von 30 Tagen" in november.notes
    assert "endet am 15.11.2026" in november.notes
    assert Retainer.objects.get().next_draft_on is None
    # Time after the end is not the retainer's: it is billed as time.
    assert TimeEntry.objects.get(work_on=datetime.date(2026, 11, 20)).invoice is None


def test_it_drafts_plain_recurring_invoices_in_advance(alice: Any, project: Any) -> None:
    saved(
        project=project,
        kind=Retainer.Kind.RECURRING,
        title="Hosting",
        interval=Retainer.Interval.QUARTERLY,
        amount=Decimal("90.00"),
        included_hours=None,
        starts_on=datetime.date(2026, 11, 16),
        invoice_day=5,
    )
    assert retainers.retainers_plan(now=at("2026-11-15")) == 0
    assert retainers.retainers_plan(now=at("2026-11-16")) == 1
    first = Invoice.objects.get()
    line = first.lines.get()
    assert line.unit_price == Decimal("45.00")  # 46 of 92 days of Q4
    assert line.unit == "pauschal"
    assert line.description == "Hosting – Q4 2026 (anteilig 46 von 92 Tagen)"
    assert "beginnt am 16.11.2026" in first.notes
    assert retainers.retainers_plan(now=at("2027-01-04")) == 0
    assert retainers.retainers_plan(now=at("2027-01-05")) == 1
    assert Invoice.objects.latest("pk").lines.get().unit_price == Decimal("90.00")


def test_it_puts_unbilled_expenses_on_the_next_draft(alice: Any, project: Any) -> None:
    saved(project=project, starts_on=datetime.date(2026, 10, 1))
    ExpenseFactory(project=project, spent_on=datetime.date(2026, 10, 12))
    retainers.retainers_plan(now=at("2026-11-01"))
    assert Expense.objects.get().invoice == Invoice.objects.get()


def test_the_planner_run_twice_drafts_once(alice: Any, project: Any) -> None:
    saved(project=project, starts_on=datetime.date(2026, 8, 1))
    assert retainers.retainers_plan(now=at("2026-11-01")) == 3  # Aug, Sep, Oct caught up
    assert retainers.retainers_plan(now=at("2026-11-01")) == 0
    assert Invoice.objects.count() == 3
    assert BillingPeriod.objects.count() == 3


def test_a_run_handles_at_most_its_limit_and_the_next_runs_work_off_the_rest(
    alice: Any, project: Any
) -> None:
    for _ in range(5):
        saved(project=project, starts_on=datetime.date(2026, 10, 1))

    runs = [retainers.retainers_plan(now=at("2026-11-01"), limit=2) for _ in range(4)]

    assert runs == [2, 2, 1, 0]
    assert Invoice.objects.count() == 5
    assert BillingPeriod.objects.values("retainer").distinct().count() == 5


def test_the_limit_beat_runs_with_is_the_documented_one() -> None:
    default = inspect.signature(retainers.retainers_plan).parameters["limit"].default
    docs = (Path(__file__).resolve().parents[2] / "docs" / "time.md").read_text()
    assert default == retainers.PLAN_LIMIT
    assert f"A run handles at most {retainers.PLAN_LIMIT} retainers" in " ".join(docs.split())


def test_a_deleted_or_cancelled_draft_is_not_drafted_again(alice: Any, project: Any) -> None:
    saved(project=project, starts_on=datetime.date(2026, 10, 1))
    retainers.retainers_plan(now=at("2026-11-01"))
    invoice = Invoice.objects.get()
    invoice_delete(invoice=invoice, actor=alice)
    assert retainers.retainers_plan(now=at("2026-11-02")) == 0
    assert BillingPeriod.objects.get().invoice is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_planner_runs_never_draft_two_invoices_for_a_period(
    alice: Any, project: Any
) -> None:
    from projects.tests.factories import ProjectFactory

    for index in range(30):
        other = ProjectFactory(owner=alice, client=project.client, title=f"Care {index}")
        saved(project=other, starts_on=datetime.date(2026, 9, 1))
    barrier = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(retainers.retainers_plan(now=at("2026-11-01"), batch_size=7))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 60  # 30 retainers x (September, October)
    assert Invoice.objects.count() == 60
    assert BillingPeriod.objects.values("retainer", "starts_on").distinct().count() == 60
    assert retainers.retainers_plan(now=at("2026-11-01")) == 0


def test_notice_ends_at_a_month_end(project: Any) -> None:
    retainer = saved(project=project, notice_days=30)
    assert retainers.notice_end(retainer, datetime.date(2026, 11, 23)) == datetime.date(
        2026, 12, 31
    )


def test_the_month_so_far(project: Any) -> None:
    retainer = saved(project=project, starts_on=datetime.date(2026, 10, 1))
    TimeEntryFactory(project=project, work_on=datetime.date(2026, 11, 3), seconds=18 * 3600)
    month = retainers.retainer_month(retainer, datetime.date(2026, 11, 23))
    assert (month["hours"], month["included"], month["overage"]) == (
        Decimal("18.00"),
        Decimal("15.00"),
        Decimal("3.00"),
    )


def test_a_retainer_must_be_monthly_and_include_hours(alice_client: Any, project: Any) -> None:
    data = {
        "kind": "retainer",
        "project": project.pk,
        "title": "Care",
        "interval": "quarterly",
        "amount": "1000",
        "starts_on": "2026-11-01",
        "notice_days": "30",
        "invoice_day": "1",
    }
    response = alice_client.post(reverse("timetracking:retainer_create"), data)
    assert response.status_code == 422
    data.update(interval="monthly", included_hours="10")
    response = alice_client.post(reverse("timetracking:retainer_create"), data)
    assert response.status_code == 302
    retainer = Retainer.objects.get()
    assert retainer.next_draft_on == datetime.date(2026, 12, 1)


def test_the_retainer_views_are_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    retainer = saved(project=project, starts_on=datetime.date(2026, 10, 1))
    for name in ("retainer_detail", "retainer_edit"):
        assert_owner_only(
            reverse(f"timetracking:{name}", args=[retainer.pk]), owner=alice, other=bob
        )
    assert_owner_only(
        reverse("timetracking:retainer_end", args=[retainer.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"ends_on": "2026-12-15"},
        expect=(302,),
    )
    retainer.refresh_from_db()
    assert retainer.ends_on == datetime.date(2026, 12, 15)
