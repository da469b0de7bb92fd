"""Local time in, true elapsed time out: midnight, daylight saving, durations."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from timetracking import clock

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.UTC


def test_it_counts_the_night_the_clocks_go_back_in_true_elapsed_time() -> None:
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:00-03:00 on the wall is 2 hours.
    started, ended = clock.span(
        datetime.date(2026, 10, 25), datetime.time(2), datetime.time(3), BERLIN
    )
    assert started == datetime.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert ended == datetime.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert clock.elapsed_seconds(started, ended) == 2 * 3600


def test_it_counts_a_whole_night_across_the_change_by_the_clock_that_passed() -> None:
    started, ended = clock.span(
        datetime.date(2026, 10, 24), datetime.time(22), datetime.time(6), BERLIN
    )
    assert clock.elapsed_seconds(started, ended) == 9 * 3600  # 22-06 plus the repeated hour


def test_it_counts_the_spring_night_one_hour_shorter() -> None:
    started, ended = clock.span(
        datetime.date(2026, 3, 28), datetime.time(22), datetime.time(6), BERLIN
    )
    assert clock.elapsed_seconds(started, ended) == 7 * 3600


def test_it_subtracts_instants_not_wall_clock_values() -> None:
    # Python's own subtraction of two aware datetimes in one zone object ignores the change.
    started = datetime.datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN)
    ended = datetime.datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)
    assert (ended - started).total_seconds() == 3 * 3600
    assert clock.elapsed_seconds(started, ended) == 4 * 3600


def test_it_refuses_a_time_the_clocks_skip() -> None:
    with pytest.raises(clock.ClockError, match="does not exist"):
        clock.local_instant(datetime.date(2026, 3, 29), datetime.time(2, 30), BERLIN)


def test_it_reads_an_end_before_the_start_as_past_midnight() -> None:
    started, ended = clock.span(
        datetime.date(2026, 11, 23), datetime.time(23), datetime.time(1, 30), BERLIN
    )
    assert ended - started == datetime.timedelta(hours=2, minutes=30)
    assert started.astimezone(BERLIN).date() == datetime.date(2026, 11, 23)


def test_it_refuses_an_empty_span() -> None:
    with pytest.raises(clock.ClockError):
        clock.span(datetime.date(2026, 11, 23), datetime.time(9), datetime.time(9), BERLIN)


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("1:30", 5400),
        ("1,5", 5400),
        ("1.5", 5400),
        ("1.5h", 5400),
        ("90m", 5400),
        ("90 min", 5400),
        ("2", 7200),
        ("0:05", 300),
        ("", None),
    ],
)
def test_it_parses_durations(typed: str, seconds: int | None) -> None:
    assert clock.parse_duration(typed) == seconds


@pytest.mark.parametrize("typed", ["0", "0:00", "-1", "-0:30", "25", "abc", "1:75", ","])
def test_it_refuses_zero_negative_and_nonsense_durations(typed: str) -> None:
    with pytest.raises(clock.ClockError):
        clock.parse_duration(typed)


def test_it_formats_hours_and_minutes() -> None:
    assert clock.hours_text(5400) == "1:30"
    assert clock.hours_text(29) == "0:00"
    assert clock.hours_text(36000) == "10:00"
