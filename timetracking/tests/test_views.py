"""The pages: week view, export, project page, expenses with receipts, settings, dashboard and
portal; each view with an id is its owner's only; lists keep a flat number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from crm.testing import assert_owner_only
from portal.models import PortalLink
from projects.models import ChangeRequest
from projects.tests.factories import MilestoneFactory, ProjectFactory
from timetracking import services
from timetracking.models import Expense, TimeEntry

from .factories import ExpenseFactory, RetainerFactory, TimeEntryFactory

MONDAY = datetime.date(2026, 11, 23)
WEEK = reverse("timetracking:week") + "?on=2026-11-25"


# --- The week ---------------------------------------------------------------------------------


def test_it_shows_the_week_with_totals_per_day_project_and_client(
    alice_client: Any, project: Any, acme: Any
) -> None:
    other = ProjectFactory(owner=project.owner, client=acme, title="Annual report")
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=5400)
    TimeEntryFactory(project=project, work_on=MONDAY + datetime.timedelta(days=2), seconds=3600)
    TimeEntryFactory(project=other, work_on=MONDAY, seconds=1800)
    TimeEntryFactory(project=other, work_on=MONDAY - datetime.timedelta(days=1))  # last week
    response = alice_client.get(WEEK)
    grid = response.context
    assert [row.project.title for row in grid["rows"]] == ["Annual report", "Website-Relaunch"]
    assert grid["day_totals"][:3] == [Decimal("2.00"), Decimal("0.00"), Decimal("1.00")]
    assert grid["week_total"] == Decimal("3.00")
    assert [(row["client"].name, row["hours"]) for row in grid["client_totals"]] == [
        ("Sabine Weber", Decimal("2.50")),
        ("Acme Ltd", Decimal("0.50")),
    ]
    body = response.content.decode()
    assert 'value="1:30"' in body


def test_it_saves_typed_cells_without_javascript(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=3600)
    name = f"c-{project.pk}-20261123"
    tuesday = f"c-{project.pk}-20261124"
    response = alice_client.post(
        reverse("timetracking:week"), {"on": "2026-11-23", name: "2,5", tuesday: "0:45"}
    )
    assert response.status_code == 302
    assert sorted(TimeEntry.objects.values_list("work_on", "seconds")) == [
        (MONDAY, 9000),
        (MONDAY + datetime.timedelta(days=1), 2700),
    ]
    alice_client.post(reverse("timetracking:week"), {"on": "2026-11-23", name: "", tuesday: "0:45"})
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [2700]


def test_it_saves_a_cell_in_place_with_htmx(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=3600)
    name = f"c-{project.pk}-20261124"
    response = alice_client.post(
        reverse("timetracking:week"),
        {"on": "2026-11-23", name: "1:30", f"c-{project.pk}-20261123": "1:00"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<span id="row-total-{project.pk}" data-hx-swap-oob="true">2.50</span>' in body
    assert '<span id="week-total" data-hx-swap-oob="true">2.50</span>' in body


def test_it_refuses_bad_cells_and_saves_nothing(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=3600)
    response = alice_client.post(
        reverse("timetracking:week"),
        {"on": "2026-11-23", f"c-{project.pk}-20261123": "3", f"c-{project.pk}-20261124": "-2"},
    )
    assert response.status_code == 422
    assert "cannot be negative" in response.content.decode()
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [3600]


def test_timed_and_billed_cells_are_read_only(alice: Any, alice_client: Any, project: Any) -> None:
    start = datetime.datetime(2026, 11, 23, 8, tzinfo=datetime.UTC)
    TimeEntryFactory(
        project=project,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
        seconds=7200,
    )
    name = f"c-{project.pk}-20261123"
    body = alice_client.get(WEEK).content.decode()
    assert f'name="{name}"' not in body
    alice_client.post(reverse("timetracking:week"), {"on": "2026-11-23", name: "9"})
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [7200]


def test_it_adds_a_project_row(alice_client: Any, project: Any) -> None:
    response = alice_client.get(WEEK + f"&add={project.pk}")
    assert [row.project for row in response.context["rows"]] == [project]
    assert f'name="c-{project.pk}-20261123"' in response.content.decode()


def test_it_refuses_another_freelancers_project_row(alice_client: Any, bobs_project: Any) -> None:
    assert alice_client.get(WEEK + f"&add={bobs_project.pk}").status_code == 404


@pytest.mark.postgres
def test_the_week_keeps_a_flat_number_of_queries(
    alice_client: Any, project: Any, django_assert_num_queries: Any
) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY)
    alice_client.get(WEEK)
    with django_assert_num_queries(6) as captured:
        alice_client.get(WEEK)
    for index in range(60):
        other = ProjectFactory(owner=project.owner, client=project.client, title=f"P{index}")
        TimeEntryFactory(project=other, work_on=MONDAY + datetime.timedelta(days=index % 7))
        TimeEntryFactory(project=other, work_on=MONDAY - datetime.timedelta(days=7 + index))
    with django_assert_num_queries(len(captured.captured_queries)):
        response = alice_client.get(WEEK)
    assert len(response.context["rows"]) == 61


# --- Export -----------------------------------------------------------------------------------


def test_it_exports_csv_with_formulas_neutralised(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=5400, description='=HYPERLINK("x")')
    TimeEntryFactory(project=project, work_on=MONDAY, description="@SUM(A1)", is_billable=False)
    response = alice_client.get(
        reverse("timetracking:export"),
        {"start": "2026-11-23", "end": "2026-11-29", "format": "csv"},
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="time-2026-11-23-2026-11-29.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Date", "Start", "End", "Hours"]
    descriptions = sorted(row[7] for row in rows[1:])
    assert descriptions == ['\'=HYPERLINK("x")', "'@SUM(A1)"]
    first = next(row for row in rows[1:] if row[7].startswith("'="))
    assert (first[0], first[3], first[9], first[10]) == ("2026-11-23", "1.50", "80.00", "120.00")


def test_it_exports_xlsx_with_text_never_a_formula(alice_client: Any, project: Any) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, seconds=5400, description="=1+1")
    project.client.name = "+Weber"
    project.client.save()
    response = alice_client.get(
        reverse("timetracking:export"),
        {"start": "2026-11-23", "end": "2026-11-29", "format": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[7] == "Description"
    assert row[7] == "'=1+1"
    assert row[4] == "'+Weber"
    assert row[3] == 1.5
    assert sheet.cell(row=2, column=8).data_type == "s"


def test_it_exports_only_the_freelancers_own_time(
    bob_client: Any, project: Any, bobs_project: Any
) -> None:
    TimeEntryFactory(project=project, work_on=MONDAY, description="Alice's")
    TimeEntryFactory(project=bobs_project, work_on=MONDAY, description="Bob's")
    body = bob_client.get(
        reverse("timetracking:export"), {"start": "2026-11-23", "end": "2026-11-29"}
    ).content.decode("utf-8-sig")
    assert "Bob's" in body
    assert "Alice's" not in body


# --- The project page -------------------------------------------------------------------------


def test_the_project_page_shows_hours_beside_revisions(alice_client: Any, project: Any) -> None:
    milestone = MilestoneFactory(project=project, title="Entwurf", estimated_hours=Decimal(16))
    TimeEntryFactory(project=project, milestone=milestone, seconds=32 * 3600)
    body = alice_client.get(project.get_absolute_url()).content.decode()
    assert "32.00 of 40.00 h" in body  # the project's budget
    assert "32.00 of 16.00 h" in body  # the milestone's, over budget
    assert body.index("revisions used") < body.index('id="hours-count"')
    assert 'id="project-timer-start"' in body


@pytest.mark.postgres
def test_the_project_page_keeps_a_flat_number_of_queries(
    alice_client: Any, project: Any, django_assert_num_queries: Any
) -> None:
    TimeEntryFactory(project=project)
    url = project.get_absolute_url()
    # The first view computes the time figures (one aggregate over the project's entries) and
    # caches them; the next views read them from the cache, until time is booked.
    with django_assert_num_queries(16) as computed:
        alice_client.get(url)
    with django_assert_num_queries(15):
        alice_client.get(url)
    milestone = MilestoneFactory(project=project, estimated_hours=Decimal(5))
    TimeEntry.objects.bulk_create(
        TimeEntry(
            owner=project.owner,
            project=project,
            milestone=milestone if index % 2 else None,
            work_on=MONDAY - datetime.timedelta(days=index % 300),
            seconds=1800,
            is_out_of_scope=index % 10 == 0,
        )
        for index in range(500)
    )
    with django_assert_num_queries(len(computed.captured_queries)):
        body = alice_client.get(url).content.decode()
    assert "lie outside the agreed scope" in body
    assert "125.00 of 5.00 h" in body  # the 250 half hours on the milestone, computed afresh
    with django_assert_num_queries(15):
        assert "125.00 of 5.00 h" in alice_client.get(url).content.decode()


def test_the_project_page_shows_time_booked_since_the_figures_were_cached(
    alice_client: Any, project: Any
) -> None:
    entry = TimeEntryFactory(project=project, seconds=3600)
    url = project.get_absolute_url()
    assert "1.00 of 40.00 h" in alice_client.get(url).content.decode()

    TimeEntryFactory(project=project, seconds=1800)
    assert "1.50 of 40.00 h" in alice_client.get(url).content.decode()
    entry.seconds = 7200
    entry.save()
    assert "2.50 of 40.00 h" in alice_client.get(url).content.decode()
    TimeEntry.objects.filter(pk=entry.pk).delete()
    assert "0.50 of 40.00 h" in alice_client.get(url).content.decode()


def test_out_of_scope_time_becomes_a_change_request_in_one_click(
    alice_client: Any, project: Any
) -> None:
    shop = project.scope_items.get(is_in_scope=False)
    TimeEntryFactory(project=project, scope_item=shop, seconds=5400, description="Shop mock-up")
    TimeEntryFactory(project=project, is_out_of_scope=True, seconds=1800, hourly_rate=Decimal(100))
    TimeEntryFactory(project=project)  # in scope
    response = alice_client.post(reverse("timetracking:change_request", args=[project.pk]))
    change_request = ChangeRequest.objects.get()
    assert response["Location"] == reverse(
        "projects:change_request_detail", args=[change_request.pk]
    )
    assert change_request.price == Decimal("170.00")  # 1.5 h x 80 + 0.5 h x 100
    assert change_request.description.startswith("2,00 Stunden außerhalb")
    assert TimeEntry.objects.filter(change_request=change_request).count() == 2
    page = alice_client.get(response["Location"]).content.decode()
    assert 'value="170.00"' in page  # the accept form is prefilled with the price
    # Priced by the change request: never billed again as time.
    from timetracking import billing

    assert len(billing.time_invoice_plan(project=project).entries) == 1


def test_the_project_time_views_are_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    TimeEntryFactory(project=project, is_out_of_scope=True)
    assert_owner_only(reverse("timetracking:project", args=[project.pk]), owner=alice, other=bob)
    assert_owner_only(
        reverse("timetracking:portal_hours", args=[project.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"hours_in_portal": "on"},
        expect=(302,),
    )
    assert_owner_only(
        reverse("timetracking:change_request", args=[project.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={},
        expect=(302,),
    )
    assert ChangeRequest.objects.count() == 1


# --- Portal and dashboard ---------------------------------------------------------------------


def test_the_portal_shows_hours_only_when_the_freelancer_chose_to(
    client: Any, project: Any
) -> None:
    RetainerFactory(project=project, starts_on=datetime.date(2026, 1, 1))
    TimeEntryFactory(project=project, work_on=datetime.date.today(), seconds=4 * 3600)  # noqa: DTZ011
    link = PortalLink.objects.create(owner=project.owner, project=project)
    url = reverse("portal:page", args=[link.token])
    assert "portal-hours" not in client.get(url).content.decode()
    services.project_hours_in_portal_set(project=project, shown=True)
    body = client.get(url).content.decode()
    assert "portal-hours" in body
    assert "4,00 von 40,00 Std." in body  # in the client's language
    assert "4,00 von 15,00 Std." in body


def test_the_dashboard_says_when_a_budget_reaches_80_and_100_percent(
    alice_client: Any, project: Any
) -> None:
    milestone = MilestoneFactory(project=project, title="Entwurf", estimated_hours=Decimal(10))
    TimeEntryFactory(project=project, milestone=milestone, seconds=11 * 3600)
    TimeEntryFactory(project=project, seconds=21 * 3600)  # 32 of 40 h on the project: 80 %
    response = alice_client.get(reverse("dashboard:index"))
    rows = response.context["budgets"]
    assert [(row["kind"], row["title"], row["budget"].state) for row in rows] == [
        ("milestone", "Entwurf", "over"),
        ("project", "Website-Relaunch", "warn"),
    ]
    body = response.content.decode()
    assert "over budget" in body
    assert "80 %" in body


def test_the_dashboard_lists_retainer_drafts_to_issue(alice_client: Any, project: Any) -> None:
    from timetracking import retainers

    retainer = RetainerFactory.build(project=project, starts_on=datetime.date(2026, 10, 1))
    retainers.retainer_save(retainer=retainer, actor=project.owner)
    retainers.retainers_plan(now=datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC))
    body = alice_client.get(reverse("dashboard:index")).content.decode()
    assert "dashboard-retainer-drafts" in body
    assert "Website care" in body


# --- Expenses and receipts --------------------------------------------------------------------


def _image(width: int, height: int, kind: str = "PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format=kind)
    return SimpleUploadedFile(f"beleg.{kind.lower()}", out.getvalue(), content_type="image/png")


def _expense_data(project: Any, **extra: Any) -> dict[str, Any]:
    return {
        "project": project.pk,
        "spent_on": "2026-11-20",
        "description": "Schriftlizenz",
        "amount": "119.00",
        "vat_rate": "19",
        "is_billable": "on",
        "markup_percent": "0",
        **extra,
    }


def test_it_saves_an_expense_with_a_pdf_receipt(alice_client: Any, project: Any) -> None:
    pdf = SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4\n%fake\n", content_type="application/pdf")
    response = alice_client.post(
        reverse("timetracking:expense_create"), _expense_data(project, receipt=pdf)
    )
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert (expense.net_amount, expense.vat_amount) == (Decimal("100.00"), Decimal("19.00"))
    assert expense.receipt_name == "rechnung.pdf"
    assert expense.receipt.name.startswith(f"receipts/{project.owner_id}/")
    download = alice_client.get(reverse("timetracking:expense_receipt", args=[expense.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_it_downscales_an_image_receipt_once(alice_client: Any, project: Any) -> None:
    alice_client.post(
        reverse("timetracking:expense_create"),
        _expense_data(project, receipt=_image(4000, 3000, "JPEG")),
    )
    expense = Expense.objects.get()
    with expense.receipt.open("rb") as handle, Image.open(handle) as image:
        assert image.size == (2400, 1800)


def test_it_refuses_a_decompression_bomb(alice_client: Any, project: Any) -> None:
    response = alice_client.post(
        reverse("timetracking:expense_create"),
        _expense_data(project, receipt=_image(12_000, 12_000)),  # small file, 144 megapixels
    )
    assert response.status_code == 422
    assert "at most 20 megapixels" in response.content.decode()
    assert not Expense.objects.exists()


def test_it_refuses_a_receipt_that_is_neither_pdf_nor_image(
    alice_client: Any, project: Any
) -> None:
    html = SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = alice_client.post(
        reverse("timetracking:expense_create"), _expense_data(project, receipt=html)
    )
    assert response.status_code == 422
    assert not Expense.objects.exists()


def test_it_refuses_a_receipt_that_is_too_large(alice_client: Any, project: Any) -> None:
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))
    response = alice_client.post(
        reverse("timetracking:expense_create"), _expense_data(project, receipt=big)
    )
    assert response.status_code == 422


def test_the_expense_views_are_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    expense = ExpenseFactory(project=project, receipt=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"))
    assert_owner_only(
        reverse("timetracking:expense_edit", args=[expense.pk]), owner=alice, other=bob
    )
    assert_owner_only(
        reverse("timetracking:expense_receipt", args=[expense.pk]), owner=alice, other=bob
    )
    assert_owner_only(
        reverse("timetracking:expense_delete", args=[expense.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={},
        expect=(302,),
    )
    assert not Expense.objects.exists()


def test_a_receipts_url_is_the_owner_checked_view(alice: Any, bob: Any, project: Any) -> None:
    expense = ExpenseFactory(project=project, receipt=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"))
    assert expense.receipt.url.startswith("/time/receipts/receipts/")
    assert "/media/" not in expense.receipt.url
    assert_owner_only(expense.receipt.url, owner=alice, other=bob)


# --- Settings and lists -----------------------------------------------------------------------


def test_it_saves_rounding_and_client_rates(alice: Any, alice_client: Any, weber: Any) -> None:
    alice_client.post(
        reverse("timetracking:settings"),
        {"form": "settings", "rounding": "15", "grouping": "day", "timer_limit_hours": "8"},
    )
    assert services.settings_for(alice).rounding == 15
    alice_client.post(
        reverse("timetracking:settings"), {"form": "rate", "client": weber.pk, "hourly_rate": "95"}
    )
    assert weber.time_rate.hourly_rate == Decimal("95.00")


@pytest.mark.parametrize(
    "name",
    [
        "week",
        "timer",
        "expenses",
        "expense_create",
        "retainers",
        "retainer_create",
        "settings",
        "entry_create",
    ],
)
def test_the_pages_load(alice_client: Any, project: Any, name: str) -> None:
    TimeEntryFactory(project=project, work_on=datetime.date.today())  # noqa: DTZ011
    assert alice_client.get(reverse(f"timetracking:{name}")).status_code == 200
