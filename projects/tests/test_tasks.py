"""Tasks: the daily expiry of offers past their validity is scheduled, and safe to run twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from celery.schedules import crontab

from projects.models import Offer
from projects.services.offers import offer_send
from projects.tasks import expire_offers

pytestmark = pytest.mark.django_db


def test_it_schedules_the_offer_expiry_once_a_day(settings: Any) -> None:
    from crm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["expire-offers"]
    assert entry["task"] == expire_offers.name == "projects.tasks.expire_offers"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({12}, {5})
    assert len(schedule.day_of_month) == 31
    assert len(schedule.day_of_week) == 7


def test_it_expires_an_offer_once_its_last_day_ended_everywhere(offer: Offer) -> None:
    offer_send(offer=offer, actor=offer.owner)
    next_day = offer.valid_until + datetime.timedelta(days=1)

    def at(hour: int, minute: int) -> datetime.datetime:
        return datetime.datetime.combine(next_day, datetime.time(hour, minute), datetime.UTC)

    # 11:00 UTC on the next day is still the last day (23:00) at UTC-12.
    with time_machine.travel(at(11, 0)):
        assert expire_offers() == 0
    with time_machine.travel(at(12, 5)):
        assert expire_offers() == 1
        assert expire_offers() == 0
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
