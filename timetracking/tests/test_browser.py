"""In Debian's chromium against the live server: the timer (project page, navigation, two tabs,
a reload, the long-run question), the week view typed with the keyboard, and an invoice from
time, from the preview to the issued invoice with its entries billed."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from crm.testing import browser_log_in
from projects.models import Invoice
from projects.tests.factories import MilestoneFactory, ProjectFactory
from timetracking.models import TimeEntry, Timer

from .factories import TimeEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _project(alice: Any) -> Any:
    weber = ClientFactory(owner=alice, name="Sabine Weber", language="de")
    return ProjectFactory(
        owner=alice,
        client=weber,
        title="Website-Relaunch",
        pricing="hourly",
        fixed_price=None,
        hourly_rate=Decimal("80.00"),
        estimated_hours=Decimal("40.00"),
    )


def _console(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def test_it_drives_the_timer_from_the_project_page_and_the_navigation(
    page: Any, alice: Any
) -> None:
    project = _project(alice)
    MilestoneFactory(project=project, title="Entwurf", due_on=datetime.date(2030, 1, 1))
    errors = _console(page)
    browser_log_in(page, next_url=project.get_absolute_url())
    expect(page.locator("#timer-nav #timer-menu")).to_be_visible()  # loaded by htmx

    # Start on the project page, in place: the navigation follows without a reload.
    page.evaluate("window.__noReload = true")
    page.locator("#timer-description").fill("Layout")
    page.locator("#timer-milestone").select_option(label="Entwurf")
    page.locator("#project-timer-start").click()
    expect(page.locator("#project-timer-stop")).to_be_visible()
    expect(page.locator("#timer-nav")).to_contain_text("Website-Relaunch")
    assert page.evaluate("window.__noReload") is True
    timer = Timer.objects.get(owner=alice)
    assert (timer.description, timer.milestone.title) == ("Layout", "Entwurf")

    # It lives on the server: a reload and a second tab (or device) show the same timer.
    page.reload()
    expect(page.locator("#project-timer-stop")).to_be_visible()
    other = page.context.new_page()
    other.goto("/time/")
    expect(other.locator("#timer-nav #timer-stop")).to_be_visible()

    # Started again in the second tab: still one timer.
    other.goto(project.get_absolute_url())
    expect(other.locator("#project-timer-stop")).to_be_visible()
    other.goto("/time/timer/")
    other.get_by_role("button", name=re.compile("Website-Relaunch")).first.click()
    assert Timer.objects.filter(owner=alice).count() == 1

    # Stopped from the navigation of the second tab: one entry booked.
    other.wait_for_timeout(1100)
    other.goto("/clients/")
    other.locator("#timer-nav #timer-stop").click()
    expect(other.locator("#timer-nav #timer-menu")).to_be_visible()
    assert not Timer.objects.filter(owner=alice).exists()
    entry = TimeEntry.objects.get(owner=alice)
    assert (entry.project, entry.description, entry.hourly_rate) == (
        project,
        "Layout",
        Decimal("80.00"),
    )

    # Started from the navigation's menu on any page.
    page.goto("/clients/")
    page.locator("#timer-menu").click()
    page.get_by_role("button", name=re.compile("Website-Relaunch")).click()
    expect(page.locator("#timer-nav #timer-stop")).to_be_visible()
    assert Timer.objects.get(owner=alice).project == project
    assert errors == []


def test_it_starts_and_stops_the_timer_with_the_keyboard_alone(page: Any, alice: Any) -> None:
    """The navigation's timer menu: Enter opens it, the arrow keys choose, Enter starts."""
    project = _project(alice)
    errors = _console(page)
    browser_log_in(page, next_url="/clients/")
    menu = page.locator("#timer-nav #timer-menu")
    expect(menu).to_be_visible()
    menu.focus()
    page.keyboard.press("Enter")
    item = page.get_by_role("button", name=re.compile("Website-Relaunch"))
    expect(item).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(item).to_be_focused()
    page.keyboard.press("Enter")
    stop = page.locator("#timer-nav #timer-stop")
    expect(stop).to_be_visible()
    assert Timer.objects.get(owner=alice).project == project

    page.wait_for_timeout(1100)
    stop.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#timer-nav #timer-menu")).to_be_visible()
    assert not Timer.objects.filter(owner=alice).exists()
    assert TimeEntry.objects.get(owner=alice).project == project
    assert errors == []


def test_it_asks_about_a_timer_left_running_and_keeps_it(page: Any, alice: Any) -> None:
    project = _project(alice)
    Timer.objects.create(
        owner=alice, project=project, started_at=timezone.now() - datetime.timedelta(hours=13)
    )
    browser_log_in(page, next_url="/clients/")
    prompt = page.locator("#timer-prompt #timer-long")
    expect(prompt).to_contain_text("running for 13:00 hours")
    page.locator("#timer-keep").click()
    expect(page.locator("#timer-prompt #timer-long")).to_have_count(0)
    assert Timer.objects.get().kept_at is not None


def test_it_fills_the_week_with_the_keyboard(page: Any, alice: Any) -> None:
    project = _project(alice)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    TimeEntryFactory(project=project, work_on=monday + datetime.timedelta(days=1), seconds=3600)
    errors = _console(page)
    browser_log_in(page, next_url="/time/")
    page.evaluate("window.__noReload = true")
    first = page.locator(f"#c-{project.pk}-{monday:%Y%m%d}")
    first.fill("1:30")
    first.press("Tab")  # the change saves the cell in place
    expect(page.locator(f"#row-total-{project.pk}")).to_have_text("2.50")
    expect(page.locator("#week-total")).to_have_text("2.50")
    # Arrow keys move between cells; Enter saves.
    tuesday = page.locator(f"#c-{project.pk}-{monday + datetime.timedelta(days=1):%Y%m%d}")
    expect(tuesday).to_be_focused()
    tuesday.press("ArrowRight")
    wednesday = page.locator(f"#c-{project.pk}-{monday + datetime.timedelta(days=2):%Y%m%d}")
    expect(wednesday).to_be_focused()
    wednesday.fill("0,75")
    wednesday.press("Enter")
    expect(page.locator("#week-total")).to_have_text("3.25")
    # A bad value is refused with a message, and nothing is saved.
    wednesday.fill("-1")
    wednesday.press("Enter")
    expect(page.locator("#week-errors")).to_contain_text("cannot be negative")
    assert page.evaluate("window.__noReload") is True
    seconds = sorted(TimeEntry.objects.filter(owner=alice).values_list("work_on", "seconds"))
    assert seconds == [
        (monday, 5400),
        (monday + datetime.timedelta(days=1), 3600),
        (monday + datetime.timedelta(days=2), 2700),
    ]
    page.reload()
    expect(first).to_have_value("1:30")
    assert errors == []


def test_it_invoices_time_from_preview_to_issued_invoice(page: Any, alice: Any) -> None:
    project = _project(alice)
    milestone = MilestoneFactory(project=project, title="Entwurf")
    day = timezone.localdate() - datetime.timedelta(days=3)
    TimeEntryFactory(project=project, milestone=milestone, work_on=day, seconds=2 * 3600)
    TimeEntryFactory(project=project, milestone=milestone, work_on=day, seconds=20 * 60)
    TimeEntryFactory(project=project, work_on=day, seconds=3600, is_billable=False)
    page.on("dialog", lambda dialog: dialog.accept())
    browser_log_in(page, next_url=project.get_absolute_url())
    expect(page.locator("#hours-count")).to_contain_text("3.33 of 40.00 h")
    page.locator("#time-invoice").click()
    preview = page.locator("#invoice-preview")
    expect(preview).to_contain_text("Entwurf")
    expect(preview).to_contain_text("2.33")
    page.locator("#id_grouping").select_option("day")
    page.get_by_role("button", name="Update preview").click()
    expect(page.locator("#invoice-preview")).to_contain_text(day.strftime("%d.%m.%Y"))
    page.locator("#invoice-create").click()
    expect(page.get_by_role("button", name="Issue invoice")).to_be_visible()
    invoice = Invoice.objects.get(owner=alice)
    line = invoice.lines.get()
    assert (line.quantity, line.unit, line.unit_price) == (
        Decimal("2.33"),
        "Std.",
        Decimal("80.00"),
    )
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_text(re.compile(r"\d{4}-0001")).first).to_be_visible()
    billed = TimeEntry.objects.filter(owner=alice, is_billable=True)
    assert all(entry.billed_at is not None for entry in billed)
    assert not TimeEntry.objects.filter(
        owner=alice, is_billable=False, invoice__isnull=False
    ).exists()
