from __future__ import annotations

import datetime

from communications.rules import Rules, send_time

UTC = datetime.UTC


def test_it_sends_now_inside_working_hours() -> None:
    now = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 Berlin
    assert send_time(rules=Rules(), now=now) == now


def test_it_waits_for_the_end_of_quiet_hours_in_the_freelancers_time_zone() -> None:
    now = datetime.datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # 20:30 Berlin
    assert send_time(rules=Rules(), now=now) == datetime.datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    tokyo = Rules(time_zone="Asia/Tokyo")
    assert send_time(rules=tokyo, now=now) == datetime.datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


def test_it_moves_weekend_messages_to_monday_morning() -> None:
    saturday = datetime.datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert send_time(rules=Rules(), now=saturday) == datetime.datetime(
        2026, 11, 30, 7, 0, tzinfo=UTC
    )
    assert send_time(rules=Rules(send_on_weekends=True), now=saturday) == saturday


def test_it_keeps_the_minimum_gap_for_routine_messages_but_not_urgent_ones() -> None:
    now = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    last = now - datetime.timedelta(days=1)
    assert send_time(rules=Rules(), now=now, last_contact_at=last) == last + datetime.timedelta(
        days=3
    )
    assert send_time(rules=Rules(), now=now, last_contact_at=last, urgent=True) == now


def test_it_keeps_quiet_hours_even_for_urgent_messages() -> None:
    night = datetime.datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    assert send_time(rules=Rules(), now=night, urgent=True).hour == 7


def test_it_handles_the_dst_switch() -> None:
    # 25 Oct 2026: Berlin goes from UTC+2 to UTC+1 (a Sunday; weekends allowed here).
    rules = Rules(send_on_weekends=True)
    night = datetime.datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 CEST
    assert send_time(rules=rules, now=night) == datetime.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
