"""The Celery worker killed (SIGKILL, whole process group) at random points while it sends.

A block of messages is due at once; the SMTP sink takes 10 ms per message, so a batch is in
flight for seconds. A worker is started and, once mail arrives, killed after a random time
(seeded; the seed is printed), ``rounds`` times; a last worker finishes. Then every
message must be sent (and received exactly once), uncertain or failed; nothing twice.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import timezone

from communications.models import Message
from tests.harness import CeleryProcesses, SmtpSink, seeded_random, wait_for

from .conftest import Scale, fault_report, scales
from .outbox import outbox_fill, outbox_outcome, rows_from_orm

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

# Seconds per message at the sink: a batch of 200 takes seconds, so kills land mid-send.
SINK_DELAY = 0.01


@scales(quick=(200, 3), full=(1000, 12))
def test_it_never_sends_twice_when_the_worker_is_killed_while_sending(
    scale: Scale, alice: Any, smtp_sink: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    rng, seed = seeded_random("worker-kill")
    smtp_sink.delay = SINK_DELAY
    ids = outbox_fill(user=alice, messages=scale.messages, first_at=timezone.now())
    # Longer than a live batch of 200 takes, so a live worker's rows are rarely swept.
    celery_processes.env.update(COMMS_PLAN_EVERY="60", COMMS_SENDING_TIMEOUT="4")
    celery_processes.beat()
    kills: list[dict[str, Any]] = []

    def pending() -> int:
        return Message.objects.filter(
            pk__in=ids, status__in=[Message.Status.SCHEDULED, Message.Status.SENDING]
        ).count()

    try:
        for round_ in range(scale.rounds):
            name = f"worker-{round_}"
            celery_processes.worker(name)
            # Kill it at a random moment after it has started sending (the rows a dead worker
            # held come back after the sending timeout, so this waits for that too).
            started = len(smtp_sink.received)
            wait_for(
                lambda n=started: len(smtp_sink.received) > n or not pending(),
                timeout=60,
                what="the worker to send",
            )
            wait = rng.uniform(0.0, 1.0)
            time.sleep(wait)
            before = len(smtp_sink.received)
            time.sleep(0.05)
            mid_send = len(smtp_sink.received) > before
            celery_processes.kill(name)
            kills.append({"after_s": round(wait, 2), "received": before, "mid_send": mid_send})
        celery_processes.worker("worker-last")

        def settled() -> bool:
            rows = rows_from_orm(ids)
            return all(row.status in {"sent", "uncertain", "failed"} for row in rows)

        wait_for(settled, timeout=120, what="every message to be sent, uncertain or failed")
        time.sleep(3)  # a few more sweeps: nothing may arrive twice
    except AssertionError:
        print(celery_processes.log())
        raise

    outcome = outbox_outcome(rows_from_orm(ids), smtp_sink.received)
    mid_send = sum(kill["mid_send"] for kill in kills)
    fault_report(
        "worker-kill",
        scale,
        f"seed={seed} kills={len(kills)} (mid-send {mid_send}) " + outcome.line(),
        seed=seed,
        kills=kills,
        outbox=outcome.counts(),
    )
    assert outcome.ok, outcome.line()
    assert outcome.sent + outcome.uncertain + outcome.failed == scale.messages
    assert outcome.duplicates == 0
    assert outcome.failed == 0
