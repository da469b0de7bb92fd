"""After approval the message page says when the message will go and why."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.urls import reverse

from clients.models import Client
from communications.models import Message

from .factories import ProjectFactory

# 05:10 in Berlin on a Tuesday: inside the quiet hours (19:00-08:00).
EARLY = datetime.datetime(2026, 11, 24, 4, 10, tzinfo=datetime.UTC)


def test_it_says_at_what_time_and_why_an_approved_message_waits(
    alice: Any, alice_client: Any, acme: Client
) -> None:
    message = Message.objects.create(
        owner=alice,
        client=acme,
        project=ProjectFactory(client=acme),
        kind=Message.Kind.DELAY_NOTICE,
        dedupe_key="delay:x",
        subject="s",
        body_text="b",
        to=acme.email,
    )
    with time_machine.travel(EARLY, tick=False):
        response = alice_client.post(
            reverse("communications:approve", args=[message.pk]), follow=True
        )
    page = response.content.decode()
    assert "today at 08:00, after your quiet hours" in page
    assert "it will go out." not in page
