"""The calendar feed: valid iCalendar, stable UIDs, all-day events, token access."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from projects.models import Milestone
from tests.factories import make_client, make_everything, make_project


def feed(client: Any, user: Any) -> Any:
    return client.get(reverse("calendar:feed", args=[user.profile.calendar_token]))


def events_of(response: Any) -> list[Any]:
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_it_serves_a_valid_feed_of_dates_and_sends(client: Any, alice: Any) -> None:
    make_everything(alice)
    response = feed(client, alice)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    events = events_of(response)
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))
    kinds = {uid.split("-")[0] + "-" + uid.split("-")[1].split("@")[0] for uid in uids}
    assert {"milestone-due", "milestone-forecast", "project-deadline", "invoice-due"} <= kinds
    assert any(uid.startswith("message-") for uid in uids)
    for event in events:
        assert event["DTSTAMP"]
        if not str(event["UID"]).startswith("message-"):
            assert type(event.decoded("DTSTART")) is datetime.date
    assert b"DTSTART;VALUE=DATE:" in response.content
    assert b"\r\n" in response.content


@pytest.mark.parametrize("size", [1, 6])
def test_it_reads_the_feed_in_five_queries_whatever_the_size(
    client: Any, alice: Any, size: int, django_assert_num_queries: Any
) -> None:
    make_everything(alice, size=size)
    url = reverse("calendar:feed", args=[alice.profile.calendar_token])
    # The token's profile and user, then milestones, deadlines, invoices and messages.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(events_of(response)) >= 5 * size


def test_it_keeps_uids_stable_between_reads(client: Any, alice: Any) -> None:
    make_everything(alice)
    first = sorted(str(e["UID"]) for e in events_of(feed(client, alice)))
    second = sorted(str(e["UID"]) for e in events_of(feed(client, alice)))
    assert first == second


def test_it_escapes_text(client: Any, alice: Any) -> None:
    project = make_project(make_client(alice, name="Müller; Söhne, GmbH"), title="Shop")
    Milestone.objects.create(
        project=project, title="Launch, Phase 1; final\nnew line", due_on=timezone.localdate()
    )
    response = feed(client, alice)
    assert b"Launch\\, Phase 1\\; final\\nnew line" in response.content
    [event] = [e for e in events_of(response) if str(e["UID"]).startswith("milestone-due")]
    assert "Launch, Phase 1; final\nnew line" in str(event["SUMMARY"])
    assert "Müller; Söhne, GmbH" in str(event["DESCRIPTION"])


def test_it_shows_only_the_token_owners_events(client: Any, alice: Any, bob: Any) -> None:
    make_everything(bob)
    assert events_of(feed(client, alice)) == []


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "y" * 100, "a\x00b", "a b", "ä"])
def test_it_answers_a_wrong_token_with_404(client: Any, alice: Any, token: str) -> None:
    assert client.get(reverse("calendar:feed", args=[token])).status_code == 404


def test_it_answers_for_an_inactive_user_with_404(client: Any, alice: Any) -> None:
    alice.is_active = False
    alice.save()
    assert feed(client, alice).status_code == 404
