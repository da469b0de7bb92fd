"""The freelancer hears of what happened in the portal by e-mail, sent by a Celery task after
the commit, never inside the client's request; a dead broker must not break the page."""

from __future__ import annotations

import logging
import time
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from portal import notifications
from portal.models import PortalLink
from projects.models import ChangeRequest, Offer
from tests.factories import make_client, make_offer, make_project
from timeline.models import Activity

from .posts import accept, ask_for_a_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(alice: Any) -> PortalLink:
    client = make_client(alice, name="Acme GmbH", language="de")
    return PortalLink.objects.create(owner=alice, project=make_project(client))


@pytest.fixture
def offer(link: PortalLink) -> Offer:
    return make_offer(link.project, number="AN-2026-042")


def test_it_mails_the_freelancer_after_the_commit_in_their_language(
    client: Any,
    link: PortalLink,
    offer: Offer,
    alice: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = accept(client, link, offer)
    assert response.status_code == 302
    assert mailoutbox == []  # nothing is sent inside the client's request
    for callback in callbacks:
        callback()
    to_alice = [mail for mail in mailoutbox if mail.to == [alice.email]]
    assert len(to_alice) == 1
    mail = to_alice[0]
    # The client's confirmation goes through the outbox (communications), in their tone.
    assert [m.to for m in mailoutbox if m is not mail] == [[offer.project.client.email]]
    # The page spoke German to the client; alice reads English.
    assert mail.subject == "Acme GmbH accepted offer AN-2026-042 v1"
    assert "Sabine Weber accepted offer AN-2026-042 v1" in mail.body
    summary = Activity.objects.get(offer=offer).summary
    assert summary == "Offer AN-2026-042 v1 accepted in the client portal by Sabine Weber"


def test_it_mails_the_freelancer_about_a_change_request(
    client: Any,
    link: PortalLink,
    alice: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert ask_for_a_change(client, link).status_code == 302
    assert [mail.subject for mail in mailoutbox] == ["Acme GmbH asked for a change: Blog"]
    assert "Wir hätten gern einen Blog." in mailoutbox[0].body


def test_it_sends_nothing_to_a_freelancer_without_an_address(
    link: PortalLink, offer: Offer, alice: Any, mailoutbox: Any
) -> None:
    alice.email = ""
    alice.save()
    alice.profile.reply_to_email = ""
    alice.profile.save()
    offer.accepted_at = timezone.now()
    offer.save()
    assert notifications.notify_offer_accepted(offer_id=offer.pk) is False
    assert mailoutbox == []


@pytest.mark.redis
def test_it_keeps_the_portal_working_while_redis_is_down(
    client: Any,
    link: PortalLink,
    offer: Offer,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    from crm.celery import app

    real = app.conf.broker_url
    try:
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        with (
            mock.patch.object(app, "_pool", None),
            # The producer pool caches the broker connection pool: without this, later tests
            # (in this process) would keep publishing to the dead broker.
            mock.patch.object(app.amqp, "_producer_pool", None),
            caplog.at_level(logging.WARNING, logger="portal.services"),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            started = time.monotonic()
            accepted = accept(client, link, offer)
            changed = ask_for_a_change(client, link)
            elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = real
    assert (accepted.status_code, changed.status_code) == (302, 302)
    assert elapsed < 10
    assert len([c for c in callbacks if "notify_on_commit" in c.__qualname__]) == 2
    assert caplog.text.count("Could not queue") == 2
    assert mailoutbox == []
    # What the client did stands, and the freelancer sees it on the timeline and dashboard.
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Activity.objects.filter(offer=offer).exists()
    change = ChangeRequest.objects.get(project=link.project)
    assert Activity.objects.filter(change_request=change).exists()
