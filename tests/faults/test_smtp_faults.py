"""The SMTP server slow, slower than EMAIL_TIMEOUT, refusing, and refusing then accepting.

The dispatcher runs as a function in this process (several threads, each with its own database
connection and SMTP connection, like several workers) against the aiosmtpd sink, at volume.
Single-message versions of the refusing and hanging cases are in tests/e2e/test_mail_flow.py.

* slow, below EMAIL_TIMEOUT: every message arrives once and is ``sent``;
* slower than EMAIL_TIMEOUT: the data went out, the answer never came: ``uncertain``, and no
  later sweep sends it again;
* refusing (554): retried with backoff, ``failed`` after MAX_ATTEMPTS, nothing delivered;
* refusing, then accepting: every message delivered exactly once.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from communications.dispatch import MAX_ATTEMPTS, messages_dispatch, sending_timeout
from communications.models import Message
from tests.harness import SmtpSink, seeded_random

from .conftest import Scale, fault_report, scales
from .outbox import outbox_fill, outbox_outcome, rows_from_orm

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DISPATCHERS = 4


def dispatch_in_parallel(*, threads: int = DISPATCHERS, limit: int = 10) -> None:
    """Run dispatchers in ``threads`` threads until none finds a due message."""
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            while messages_dispatch(limit=limit).claimed:
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=dispatcher) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    assert not errors, errors


def sweep_later(times: int = 3) -> None:
    """Run the dispatcher as the sweeps after the sending timeout would (time moved on)."""
    later = timezone.now() + sending_timeout() + datetime.timedelta(seconds=1)
    for n in range(times):
        messages_dispatch(now=later + datetime.timedelta(hours=n))


@scales(quick=(20, 1), full=(100, 1))
def test_it_delivers_everything_once_through_a_slow_server(
    scale: Scale, alice: Any, smtp_backend: SmtpSink, settings: Any
) -> None:
    rng, seed = seeded_random("smtp-slow")
    # Full: 0.5-2 s per answer under a 5 s timeout; quick: the same shape, ten times faster.
    low, high, timeout = (0.5, 2.0, 5) if scale.name == "full" else (0.05, 0.2, 1)
    settings.EMAIL_TIMEOUT = timeout
    smtp_backend.delay = lambda: rng.uniform(low, high)
    outbox_fill(user=alice, messages=scale.messages, first_at=timezone.now())

    dispatch_in_parallel()
    sweep_later()

    outcome = outbox_outcome(rows_from_orm(), smtp_backend.received)
    fault_report(
        "smtp-slow",
        scale,
        f"seed={seed} delay={low}-{high}s timeout={timeout}s dispatchers={DISPATCHERS} "
        + outcome.line(),
        seed=seed,
        outbox=outcome.counts(),
    )
    assert outcome.ok, outcome.line()
    assert outcome.sent == outcome.received == scale.messages
    assert outcome.duplicates == 0


@scales(quick=(4, 1), full=(20, 1))
def test_it_leaves_messages_uncertain_when_the_server_answers_after_the_timeout(
    scale: Scale, alice: Any, smtp_backend: SmtpSink, settings: Any
) -> None:
    settings.EMAIL_TIMEOUT = 1
    smtp_backend.delay = 2.0  # the data is in, the "250 OK" comes after the client gave up
    outbox_fill(user=alice, messages=scale.messages, first_at=timezone.now())

    dispatch_in_parallel()
    sweep_later()
    received_after_sweep = len(smtp_backend.received)
    sweep_later()  # more sweeps, days later: an uncertain message is never sent again

    outcome = outbox_outcome(rows_from_orm(), smtp_backend.received)
    fault_report(
        "smtp-timeout",
        scale,
        f"delay=2.0s timeout=1s dispatchers={DISPATCHERS} " + outcome.line(),
        outbox=outcome.counts(),
    )
    assert outcome.ok, outcome.line()
    assert outcome.uncertain == outcome.uncertain_received == scale.messages
    assert len(smtp_backend.received) == received_after_sweep == scale.messages
    uncertain = Message.objects.filter(status=Message.Status.UNCERTAIN)
    assert all("may or may not have arrived" in message.last_error for message in uncertain)


def refuse_rounds(sink: SmtpSink, rounds: int) -> datetime.datetime:
    """Dispatch ``rounds`` times while the sink refuses, each time after the backoff ran out."""
    now = timezone.now()
    sink.mode = "refuse"
    for _ in range(rounds):
        while messages_dispatch(now=now).claimed:
            pass
        waiting = Message.objects.filter(status=Message.Status.SCHEDULED)
        latest = waiting.order_by("-send_after").values_list("send_after", flat=True).first()
        now = max(now, latest or now) + datetime.timedelta(seconds=1)
    return now


@scales(quick=(100, 1), full=(1000, 1))
def test_it_fails_every_message_after_the_retries_when_the_server_refuses(
    scale: Scale, alice: Any, smtp_backend: SmtpSink
) -> None:
    outbox_fill(user=alice, messages=scale.messages, first_at=timezone.now())

    refuse_rounds(smtp_backend, MAX_ATTEMPTS + 1)

    outcome = outbox_outcome(rows_from_orm(), smtp_backend.received)
    attempts = set(Message.objects.values_list("attempts", flat=True))
    fault_report(
        "smtp-refuse",
        scale,
        f"refusals={smtp_backend.refused} attempts_per_message={sorted(attempts)} "
        + outcome.line(),
        refusals=smtp_backend.refused,
        outbox=outcome.counts(),
    )
    assert outcome.ok, outcome.line()
    assert outcome.failed == scale.messages
    assert outcome.received == 0
    assert attempts == {MAX_ATTEMPTS}
    assert smtp_backend.refused == MAX_ATTEMPTS * scale.messages
    assert Message.objects.exclude(last_error__contains="554").count() == 0


@scales(quick=(100, 2), full=(1000, 3))
def test_it_delivers_once_when_a_refusing_server_accepts_again(
    scale: Scale, alice: Any, smtp_backend: SmtpSink
) -> None:
    outbox_fill(user=alice, messages=scale.messages, first_at=timezone.now())

    now = refuse_rounds(smtp_backend, scale.rounds)  # fewer rounds than MAX_ATTEMPTS
    smtp_backend.mode = "accept"
    while messages_dispatch(now=now).claimed:
        pass
    sweep_later()

    outcome = outbox_outcome(rows_from_orm(), smtp_backend.received)
    fault_report(
        "smtp-refuse-then-accept",
        scale,
        f"refused_rounds={scale.rounds} refusals={smtp_backend.refused} " + outcome.line(),
        refusals=smtp_backend.refused,
        outbox=outcome.counts(),
    )
    assert outcome.ok, outcome.line()
    assert outcome.sent == outcome.received == scale.messages
    assert smtp_backend.refused == scale.rounds * scale.messages
    assert set(Message.objects.values_list("attempts", flat=True)) == {scale.rounds + 1}
