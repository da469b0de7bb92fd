"""The server-side timer: one per freelancer, survives anything, asks after a long run."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from crm.testing import assert_owner_only, client_for
from projects.tests.factories import ProjectFactory
from timetracking import services
from timetracking.models import TimeEntry, Timer, TimeSettings

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_it_allows_one_timer_per_freelancer_by_constraint(alice: Any, project: Any) -> None:
    Timer.objects.create(owner=alice, project=project, started_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Timer.objects.create(owner=alice, project=project, started_at=NOW)


def test_it_books_the_time_when_stopped(alice: Any, project: Any, milestone: Any) -> None:
    services.timer_start(
        user=alice, project=project, milestone=milestone, description="Layout", now=NOW
    )
    entry = services.timer_stop(user=alice, now=NOW + datetime.timedelta(minutes=95))
    assert entry is not None
    assert (entry.seconds, entry.description, entry.milestone) == (95 * 60, "Layout", milestone)
    assert entry.started_at == NOW
    assert entry.hourly_rate == project.hourly_rate
    assert entry.work_on == datetime.date(2026, 11, 23)
    assert not Timer.objects.exists()


def test_it_keeps_one_timer_when_started_twice(alice: Any, project: Any) -> None:
    first = services.timer_start(user=alice, project=project, now=NOW)
    second = services.timer_start(
        user=alice, project=project, now=NOW + datetime.timedelta(minutes=3)
    )
    assert second.already_running
    assert second.timer.pk == first.timer.pk
    assert second.timer.started_at == NOW
    assert Timer.objects.count() == 1


def test_it_switches_work_by_booking_the_running_timer(
    alice: Any, project: Any, weber: Any
) -> None:
    other = ProjectFactory(owner=alice, client=weber, title="Newsletter")
    services.timer_start(user=alice, project=project, now=NOW)
    result = services.timer_start(user=alice, project=other, now=NOW + datetime.timedelta(hours=2))
    assert result.stopped is not None
    assert (result.stopped.project, result.stopped.seconds) == (project, 7200)
    assert Timer.objects.get().project == other


def test_it_stops_once_when_two_tabs_stop(alice: Any, project: Any) -> None:
    services.timer_start(user=alice, project=project, now=NOW)
    assert services.timer_stop(user=alice, now=NOW + datetime.timedelta(hours=1)) is not None
    assert services.timer_stop(user=alice, now=NOW + datetime.timedelta(hours=1)) is None
    assert TimeEntry.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_the_same_moment_make_one_timer(alice: Any, project: Any) -> None:
    barrier = threading.Barrier(4)
    results: list[Any] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            results.append(services.timer_start(user=alice, project=project))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Timer.objects.filter(owner=alice).count() == 1
    assert len({result.timer.pk for result in results}) == 1
    assert TimeEntry.objects.count() == 0


def test_it_survives_other_devices(alice: Any, project: Any) -> None:
    laptop, phone = client_for(alice), client_for(alice)
    with time_machine.travel(NOW, tick=False):
        laptop.post(
            reverse("timetracking:timer_start"), {"project": project.pk, "is_billable": "on"}
        )
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        page = phone.get(reverse("timetracking:timer")).content.decode()
        assert "Website-Relaunch" in page
        assert "data-timer-started" in page
        assert "1:00" in page
        phone.post(reverse("timetracking:timer_stop"))
    assert not Timer.objects.exists()
    assert TimeEntry.objects.filter(owner=alice).count() == 1


def test_it_starts_and_stops_without_javascript(alice_client: Any, project: Any) -> None:
    url = project.get_absolute_url()
    response = alice_client.post(
        reverse("timetracking:timer_start"),
        {"project": project.pk, "is_billable": "on", "next": url},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    page = alice_client.get(url).content.decode()
    assert "project-timer-stop" in page
    response = alice_client.post(reverse("timetracking:timer_stop"), {"next": url})
    assert response["Location"] == url
    assert not Timer.objects.exists()


def test_it_answers_htmx_with_an_event_for_every_timer_widget(
    alice_client: Any, project: Any
) -> None:
    response = alice_client.post(
        reverse("timetracking:timer_start"),
        {"project": project.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Trigger"] == "timerChanged"
    widget = alice_client.get(reverse("timetracking:timer_widget"), headers={"HX-Request": "true"})
    assert b"timer-stop" in widget.content


def test_it_refuses_another_freelancers_project(alice_client: Any, bobs_project: Any) -> None:
    alice_client.post(reverse("timetracking:timer_start"), {"project": bobs_project.pk})
    assert not Timer.objects.exists()


def test_it_asks_to_keep_or_cut_a_timer_running_past_the_limit(alice: Any, project: Any) -> None:
    TimeSettings.objects.create(owner=alice, timer_limit_hours=10)
    services.timer_start(user=alice, project=project, now=NOW)
    client = client_for(alice)
    with time_machine.travel(NOW + datetime.timedelta(hours=9), tick=False):
        assert b"timer-long" not in client.get(reverse("timetracking:timer_widget")).content
    with time_machine.travel(NOW + datetime.timedelta(hours=13), tick=False):
        widget = client.get(reverse("timetracking:timer_widget")).content.decode()
        assert "timer-long" in widget
        assert 'hx-swap-oob="true"' in widget
        # Without JavaScript the next full page asks too.
        assert "timer-long" in client.get(reverse("timetracking:week")).content.decode()
        client.post(reverse("timetracking:timer_keep"))
        assert b"timer-long" not in client.get(reverse("timetracking:timer_widget")).content
    assert Timer.objects.get().kept_at is not None


def test_it_cuts_a_forgotten_timer_at_the_time_given(alice: Any, project: Any) -> None:
    services.timer_start(user=alice, project=project, now=NOW)  # 09:00 in Berlin
    client = client_for(alice)
    with time_machine.travel(NOW + datetime.timedelta(hours=26), tick=False):
        response = client.post(reverse("timetracking:timer_cut"), {"ended_at": "2026-11-23T17:30"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.seconds == int(8.5 * 3600)
    assert not Timer.objects.exists()


def test_it_refuses_to_cut_before_the_start_or_in_the_future(alice: Any, project: Any) -> None:
    services.timer_start(user=alice, project=project, now=NOW)
    client = client_for(alice)
    with time_machine.travel(NOW + datetime.timedelta(hours=12), tick=False):
        client.post(reverse("timetracking:timer_cut"), {"ended_at": "2026-11-23T08:00"})
        client.post(reverse("timetracking:timer_cut"), {"ended_at": "2026-11-24T08:00"})
    assert Timer.objects.exists()
    assert not TimeEntry.objects.exists()


def test_it_dates_an_entry_by_the_freelancers_time_zone_when_it_started(
    alice: Any, project: Any
) -> None:
    alice.profile.time_zone = "America/New_York"
    alice.profile.save()
    late = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 on the 23rd in New York
    services.timer_start(user=alice, project=project, now=late)
    entry = services.timer_stop(user=alice, now=late + datetime.timedelta(hours=3))
    assert entry.work_on == datetime.date(2026, 11, 23)
    # Moving to Berlin later does not move the entry to another day.
    alice.profile.time_zone = "Europe/Berlin"
    alice.profile.save()
    entry.refresh_from_db()
    assert entry.work_on == datetime.date(2026, 11, 23)


def test_the_timer_views_are_for_logged_in_freelancers_only(anon_client: Any) -> None:
    for name in ("timer", "timer_widget"):
        response = anon_client.get(reverse(f"timetracking:{name}"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_project_timer_widget_is_the_owners_only(alice: Any, bob: Any, project: Any) -> None:
    url = reverse("timetracking:timer_widget") + f"?variant=project&project={project.pk}"
    assert_owner_only(url, owner=alice, other=bob)
