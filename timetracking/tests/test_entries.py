"""Time entries: manual entries, the rules they follow, and what happens around them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.urls import reverse

from crm.testing import assert_owner_only
from projects.services.invoices import invoice_issue
from timetracking import billing, services
from timetracking.models import TimeEntry

from .factories import TimeEntryFactory

UTC = datetime.UTC


def _post(client: Any, project: Any, **data: Any) -> Any:
    payload = {"project": project.pk, "work_on": "2026-11-23", "is_billable": "on", **data}
    return client.post(reverse("timetracking:entry_create"), payload)


def test_it_books_a_start_and_an_end_in_local_time(alice_client: Any, project: Any) -> None:
    response = _post(alice_client, project, start="09:15", end="12:45", description="Layout")
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.seconds == 3.5 * 3600
    assert entry.started_at == datetime.datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
    assert entry.hourly_rate == Decimal("80.00")


def test_it_books_a_duration(alice_client: Any, project: Any) -> None:
    _post(alice_client, project, duration="1,5")
    entry = TimeEntry.objects.get()
    assert (entry.seconds, entry.started_at) == (5400, None)


def test_it_books_work_across_midnight(alice_client: Any, project: Any) -> None:
    _post(alice_client, project, start="22:30", end="01:00")
    entry = TimeEntry.objects.get()
    assert entry.seconds == 2.5 * 3600
    assert entry.work_on == datetime.date(2026, 11, 23)


def test_it_books_the_dst_night_in_true_elapsed_time(alice_client: Any, project: Any) -> None:
    _post(alice_client, project, work_on="2026-10-25", start="02:00", end="03:00")
    assert TimeEntry.objects.get().seconds == 2 * 3600


@pytest.mark.parametrize(
    "data",
    [
        {"duration": "0"},
        {"duration": "-1:00"},
        {"start": "10:00", "end": "10:00"},
        {"start": "10:00"},
        {},
        {"work_on": "2026-03-29", "start": "02:15", "end": "04:00"},
    ],
)
def test_it_refuses_zero_negative_or_impossible_durations(
    alice_client: Any, project: Any, data: dict[str, str]
) -> None:
    response = _post(alice_client, project, **data)
    assert response.status_code == 422
    assert not TimeEntry.objects.exists()


def test_the_database_refuses_a_zero_duration_too(project: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(project=project, seconds=0)
    start = datetime.datetime(2026, 11, 23, 9, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(project=project, started_at=start, ended_at=start)


def test_it_refuses_a_milestone_of_another_project(
    alice_client: Any, project: Any, weber: Any
) -> None:
    from projects.tests.factories import MilestoneFactory, ProjectFactory

    other = MilestoneFactory(project=ProjectFactory(owner=project.owner, client=weber))
    response = _post(alice_client, project, duration="1", milestone=other.pk)
    assert response.status_code == 422
    assert not TimeEntry.objects.exists()


def test_it_allows_overlapping_entries_but_says_so(alice_client: Any, project: Any) -> None:
    _post(alice_client, project, start="09:00", end="11:00")
    response = _post(alice_client, project, start="10:00", end="12:00")
    assert response.status_code == 302
    assert TimeEntry.objects.count() == 2
    page = alice_client.get(reverse("timetracking:week") + "?on=2026-11-23").content.decode()
    assert page.count(">overlaps<") == 2


def test_an_entry_keeps_its_rate_when_the_rate_changes(alice: Any, project: Any) -> None:
    entry = services.entry_create(
        entry=TimeEntry(project=project, work_on=datetime.date(2026, 11, 23), seconds=3600),
        actor=alice,
    )
    project.hourly_rate = Decimal("120.00")
    project.save()
    entry.description = "renamed"
    services.entry_update(entry=entry, actor=alice)
    entry.refresh_from_db()
    assert entry.hourly_rate == Decimal("80.00")
    plan = billing.time_invoice_plan(project=project)
    assert [line.unit_price for line in plan.lines] == [Decimal("80.00")]


def test_the_rate_comes_from_the_project_else_the_client_else_the_profile(
    alice: Any, project: Any
) -> None:
    from timetracking.models import TimeSettings

    assert services.rate_for(project) == Decimal("80.00")
    project.hourly_rate = None
    assert services.rate_for(project) is None
    TimeSettings.objects.create(owner=alice, hourly_rate=Decimal("70.00"))
    assert services.rate_for(project) == Decimal("70.00")
    services.client_rate_set(owner=alice, client=project.client, hourly_rate=Decimal("95.00"))
    assert services.rate_for(project) == Decimal("95.00")


def test_an_entry_on_an_invoice_is_locked(alice: Any, alice_client: Any, project: Any) -> None:
    entry = TimeEntryFactory(project=project)
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    entry.refresh_from_db()
    assert entry.invoice == invoice
    with pytest.raises(services.TimeError, match="draft invoice"):
        services.entry_delete(entry=entry, actor=alice)
    invoice_issue(invoice=invoice, actor=alice)
    entry.description = "changed"
    with pytest.raises(services.TimeError, match="locked"):
        services.entry_update(entry=entry, actor=alice)
    response = alice_client.post(reverse("timetracking:entry_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_project_with_billed_time_is_refused(alice: Any, project: Any) -> None:
    TimeEntryFactory(project=project)
    invoice = billing.invoice_from_time_create(project=project, actor=alice)
    invoice_issue(invoice=invoice, actor=alice)
    with pytest.raises(ProtectedError):
        project.delete()
    assert TimeEntry.objects.filter(project=project).exists()


def test_deleting_a_project_with_only_unbilled_time_takes_the_time_along(project: Any) -> None:
    TimeEntryFactory(project=project)
    project.delete()
    assert not TimeEntry.objects.exists()


def test_the_entry_views_are_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    entry = TimeEntryFactory(project=project)
    assert_owner_only(reverse("timetracking:entry_edit", args=[entry.pk]), owner=alice, other=bob)
    assert_owner_only(
        reverse("timetracking:entry_delete", args=[entry.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={},
        expect=(302,),
    )
    assert not TimeEntry.objects.exists()


def test_it_edits_an_entry(alice_client: Any, project: Any) -> None:
    entry = TimeEntryFactory(project=project, seconds=3600)
    url = reverse("timetracking:entry_edit", args=[entry.pk])
    assert 'value="1:00"' in alice_client.get(url).content.decode()
    response = alice_client.post(
        url,
        {"project": project.pk, "work_on": "2026-11-24", "duration": "2:15", "description": "X"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.seconds, entry.work_on, entry.is_billable) == (
        8100,
        datetime.date(2026, 11, 24),
        False,
    )
