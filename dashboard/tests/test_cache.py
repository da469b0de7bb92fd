"""The dashboard cache (dashboard/cache.py): per card group, under the data generations."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from communications import services as comms
from crm import freshness
from dashboard.cache import CARD_GROUPS
from tests.factories import make_client, make_message

URL = reverse("dashboard:index")
LABELS = sorted({label for models_read, _ in CARD_GROUPS.values() for label in models_read})


def test_the_dashboard_shows_an_approval_made_anywhere_at_once(
    alice: Any, alice_client: Any
) -> None:
    draft = make_message(make_client(alice), subject="Bitte freigeben")
    assert [m.pk for m in alice_client.get(URL).context["drafts"]] == [draft.pk]
    comms.message_approve(message=draft)  # a conditional UPDATE, no model signal
    assert list(alice_client.get(URL).context["drafts"]) == []


def test_a_change_recomputes_only_the_cards_that_read_it(
    alice: Any, alice_client: Any, django_assert_num_queries: Any
) -> None:
    from clients import services as client_services

    long_ago = timezone.now() - datetime.timedelta(days=400)
    quiet = make_client(alice, name="Stille GmbH", status="active")
    type(quiet).objects.filter(pk=quiet.pk).update(created_at=long_ago)
    draft = make_message(make_client(alice), subject="Freigabe")
    type(draft).objects.filter(pk=draft.pk).update(created_at=long_ago)
    assert [c.name for c in alice_client.get(URL).context["quiet_clients"]] == ["Stille GmbH"]
    # A note: only the cards that read the timeline ("quiet clients" and the reminders paused
    # by replies) are computed again (one query each), and they are right at once.
    client_services.note_create(
        client=quiet, kind="call", noted_on=timezone.localdate(), body="Angerufen"
    )
    with django_assert_num_queries(3 + 1 + 1):
        assert list(alice_client.get(URL).context["quiet_clients"]) == []
    # An approval: the message cards, the invoices (reminder levels), quiet clients, the
    # messages held by replies and the paused clients.
    comms.message_approve(message=draft)
    with django_assert_num_queries(3 + 2 + 2 + 1 + 1 + 1):
        assert list(alice_client.get(URL).context["drafts"]) == []
    # A client's name shows on every card: everything is computed again.
    quiet.name = "Laute GmbH"
    quiet.save()
    with django_assert_num_queries(20):
        alice_client.get(URL)


def test_the_dashboard_caches_per_freelancer_day_and_language(
    alice: Any, alice_client: Any, bob: Any, django_assert_num_queries: Any
) -> None:
    make_message(make_client(alice), subject="Alices Entwurf")
    make_message(make_client(bob), subject="Bobs Entwurf")
    alice_client.get(URL)
    with django_assert_num_queries(3):
        assert "Alices Entwurf" in alice_client.get(URL).content.decode()
    bobs_browser = Client()
    bobs_browser.force_login(bob)
    page = bobs_browser.get(URL).content.decode()
    assert "Bobs Entwurf" in page
    assert "Alices Entwurf" not in page
    # Another interface language (month labels) or another day: computed afresh.
    alice.profile.language = "de"
    alice.profile.save()
    with django_assert_num_queries(20):
        assert alice_client.get(URL).context["today"] == timezone.localdate()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(tomorrow):
        alice_client.force_login(alice)  # a day later the idle timeout has ended the session
        with django_assert_num_queries(20):
            alice_client.get(URL)


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens here: the cache is down
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)
def test_it_serves_and_writes_without_a_cache(
    alice: Any, alice_client: Any, django_assert_num_queries: Any
) -> None:
    draft = make_message(make_client(alice), subject="Ohne Cache")
    with pytest.raises(Exception):  # noqa: B017,PT011 - proves the cache really is down
        cache.get("x")
    assert freshness.generations(alice.pk, LABELS) is None
    with django_assert_num_queries(20):
        response = alice_client.get(URL)
    assert response.status_code == 200
    assert "Ohne Cache" in response.content.decode()
    comms.message_approve(message=draft)
    assert list(alice_client.get(URL).context["drafts"]) == []
