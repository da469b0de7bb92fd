"""Invoicing time: rounding, lines, the draft, and entries billed on issue, released on cancel."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from lxml import etree

from crm.testing import assert_owner_only
from projects import documents, einvoice
from projects.models import Invoice
from projects.services.invoices import invoice_cancel, invoice_delete, invoice_issue
from projects.tests.factories import MilestoneFactory
from timetracking import billing
from timetracking.models import Expense, Grouping, Rounding, TimeEntry, TimeSettings

from .factories import ExpenseFactory, RetainerFactory, TimeEntryFactory

DAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("rounding", "seconds", "expected"),
    [
        (Rounding.EXACT, 1234, 1234),
        (Rounding.SIX, 1, 360),
        (Rounding.SIX, 360, 360),
        (Rounding.SIX, 361, 720),
        (Rounding.FIFTEEN, 61 * 60, 75 * 60),
        (Rounding.THIRTY, 31 * 60, 60 * 60),
        (Rounding.THIRTY, 30 * 60, 30 * 60),
    ],
)
def test_it_rounds_each_entry_up_to_the_step(rounding: int, seconds: int, expected: int) -> None:
    assert billing.rounded_seconds(seconds, rounding) == expected


def test_it_rounds_per_entry_before_adding_up(alice: Any, project: Any) -> None:
    TimeSettings.objects.create(owner=alice, rounding=Rounding.FIFTEEN)
    for _ in range(3):
        TimeEntryFactory(project=project, seconds=20 * 60)  # 3 x 20 min -> 3 x 30 min
    plan = billing.time_invoice_plan(project=project)
    assert [line.quantity for line in plan.lines] == [Decimal("1.50")]


def test_exact_time_is_billed_to_the_hundredth_of_an_hour(project: Any) -> None:
    TimeEntryFactory(project=project, seconds=3600 + 17 * 60)  # 1 h 17 min = 1.2833 h
    plan = billing.time_invoice_plan(project=project)
    assert plan.lines[0].quantity == Decimal("1.28")
    assert plan.lines[0].net == Decimal("102.40")


def test_it_groups_per_milestone_with_hours_and_rate_on_each_line(
    project: Any, milestone: Any
) -> None:
    later = MilestoneFactory(project=project, title="Umsetzung", due_on=datetime.date(2026, 12, 10))
    TimeEntryFactory(project=project, milestone=milestone, seconds=7200)
    TimeEntryFactory(
        project=project, milestone=milestone, seconds=3600, work_on=DAY.replace(day=25)
    )
    TimeEntryFactory(project=project, milestone=later, seconds=1800)
    TimeEntryFactory(project=project, milestone=later, seconds=1800, hourly_rate=Decimal("100"))
    TimeEntryFactory(project=project, seconds=900)
    lines = billing.time_invoice_plan(project=project, grouping=Grouping.MILESTONE).lines
    assert [
        (line.description.split(" (")[0], line.quantity, line.unit_price) for line in lines
    ] == [
        ("Entwurf", Decimal("3.00"), Decimal("80.00")),
        ("Umsetzung", Decimal("0.50"), Decimal("80.00")),
        ("Umsetzung", Decimal("0.50"), Decimal("100")),
        ("Weitere Arbeiten", Decimal("0.25"), Decimal("80.00")),
    ]
    assert lines[0].description == "Entwurf (23.11.2026 – 25.11.2026)"
    assert {line.unit for line in lines} == {"Std."}


def test_it_groups_per_scope_item_and_per_day(project: Any) -> None:
    start_page, _shop = project.scope_items.order_by("position")
    TimeEntryFactory(project=project, scope_item=start_page, description="Hero")
    TimeEntryFactory(project=project, description="Call", work_on=DAY.replace(day=24))
    by_scope = billing.time_invoice_plan(project=project, grouping=Grouping.SCOPE).lines
    assert [line.description.split(" (")[0] for line in by_scope] == [
        "Startseite",
        "Weitere Arbeiten",
    ]
    by_day = billing.time_invoice_plan(project=project, grouping=Grouping.DAY).lines
    assert [line.description for line in by_day] == ["23.11.2026: Hero", "24.11.2026: Call"]


def test_it_writes_the_lines_in_the_clients_language(project: Any, acme: Any) -> None:
    project.client = acme
    project.save()
    TimeEntryFactory(project=project)
    line = billing.time_invoice_plan(project=project).lines[0]
    assert (line.unit, line.description.split(" (")[0]) == ("hours", "Other work")


def test_it_leaves_out_unbillable_billed_retainer_and_change_request_time(
    alice: Any, project: Any
) -> None:
    TimeEntryFactory(project=project, is_billable=False)
    covered = TimeEntryFactory(project=project, work_on=datetime.date(2026, 9, 15))
    RetainerFactory(
        project=project, starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 9, 30)
    )
    billable = TimeEntryFactory(project=project)
    plan = billing.time_invoice_plan(project=project)
    assert [e.pk for e in plan.entries] == [billable.pk]
    assert covered.pk not in {e.pk for e in plan.entries}


def test_it_drafts_the_invoice_and_reserves_the_entries(alice: Any, project: Any) -> None:
    entries = [TimeEntryFactory(project=project) for _ in range(2)]
    ExpenseFactory(project=project, markup_percent=Decimal("10"))
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    assert invoice.status == Invoice.Status.DRAFT
    assert (invoice.delivery_from, invoice.delivery_to) == (datetime.date(2026, 11, 20), DAY)
    lines = list(invoice.lines.order_by("position"))
    assert [(line.quantity, line.unit, line.unit_price) for line in lines] == [
        (Decimal("2.00"), "Std.", Decimal("80.00")),
        (Decimal("1.00"), "pauschal", Decimal("110.00")),  # 100 net + 10 % markup
    ]
    assert lines[1].description == "Auslage 20.11.2026: Stock photos (zzgl. 10 % Aufschlag)"
    assert set(TimeEntry.objects.values_list("invoice", flat=True)) == {invoice.pk}
    assert Expense.objects.get().invoice == invoice
    with pytest.raises(billing.TimeError):
        billing.invoice_from_time_create(project=project, actor=alice)  # nothing left
    assert {e.billed_at for e in TimeEntry.objects.all()} == {None}
    assert len(entries) == 2


def test_issuing_bills_and_cancelling_releases_the_time(alice: Any, project: Any) -> None:
    TimeEntryFactory(project=project)
    ExpenseFactory(project=project)
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    invoice_issue(invoice=invoice, actor=alice)
    entry, expense = TimeEntry.objects.get(), Expense.objects.get()
    assert entry.billed_at is not None
    assert entry.is_locked
    assert expense.billed_at is not None
    invoice_cancel(invoice=invoice, actor=alice)
    entry.refresh_from_db()
    expense.refresh_from_db()
    assert (entry.invoice, entry.billed_at) == (None, None)
    assert (expense.invoice, expense.billed_at) == (None, None)
    # Released time goes on the next invoice.
    again = billing.invoice_from_time_create(project=project, actor=alice)
    assert again.pk != invoice.pk
    assert TimeEntry.objects.get().invoice == again


def test_deleting_the_draft_releases_the_time(alice: Any, project: Any) -> None:
    TimeEntryFactory(project=project)
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    invoice_delete(invoice=invoice, actor=alice)
    assert TimeEntry.objects.get().invoice is None


def test_it_refuses_time_without_any_rate(alice: Any, project: Any) -> None:
    project.hourly_rate = None
    project.save()
    TimeEntryFactory(project=project, hourly_rate=None)
    with pytest.raises(billing.TimeError, match="no hourly rate"):
        billing.invoice_from_time_create(project=project, actor=alice)
    TimeSettings.objects.create(owner=alice, hourly_rate=Decimal("75.00"))
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    assert invoice.lines.get().unit_price == Decimal("75.00")


def test_the_e_invoice_carries_hours_with_unit_code_hur(alice: Any, project: Any) -> None:
    TimeEntryFactory(project=project, seconds=5400)
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    invoice = invoice_issue(invoice=invoice, actor=alice)
    xml = etree.fromstring(einvoice.invoice_xml(documents.invoice_data(invoice)))
    quantities = xml.xpath("//*[local-name()='BilledQuantity']")
    assert [(q.get("unitCode"), q.text) for q in quantities] == [("HUR", "1.5000")]


def test_the_invoice_views_are_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    TimeEntryFactory(project=project)
    url = reverse("timetracking:invoice", args=[project.pk])
    body = assert_owner_only(url, owner=alice, other=bob).content.decode()
    assert "Weitere Arbeiten" in body
    assert_owner_only(
        url, owner=alice, other=bob, method="post", data={"grouping": "day"}, expect=(302,)
    )
    assert Invoice.objects.get().lines.get().description.startswith("23.11.2026")


def test_it_creates_the_invoice_from_the_form(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=DAY)
    TimeEntryFactory(project=project, work_on=DAY.replace(day=30))
    response = alice_client.post(
        reverse("timetracking:invoice", args=[project.pk]),
        {"grouping": "milestone", "until": "2026-11-25"},
    )
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("projects:invoice_detail", args=[invoice.pk])
    assert TimeEntry.objects.filter(invoice=invoice).count() == 1
