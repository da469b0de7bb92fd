"""Redis killed and started again under a running web app, worker and beat.

A private redis-server is the broker of gunicorn, a Celery worker and beat (the database is the
test database). While mail goes out, Redis is killed (SIGKILL: queued tasks are lost, as in a
crash), stays down for a few seconds and comes back on the same port, once per round. While it
is down, drafts are approved in the web app: each approval must succeed for the user (its nudge
to the worker fails quietly), and the beat sweep sends the mail once Redis is back. Messages due
after the restart must arrive (the worker reconnected), and nothing may arrive twice. The full
run also starts worker and beat while Redis is still down.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from communications.models import Message
from communications.tests.factories import MessageFactory
from tests.harness import (
    CeleryProcesses,
    HttpSession,
    RedisServer,
    SmtpSink,
    WebServer,
    celery_env,
    live_database_url,
    wait_for,
    web_env,
)

from .conftest import Scale, fault_report, scales
from .outbox import SUBJECT_PREFIX, outbox_fill, outbox_outcome, rows_from_orm

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

DOWN_SECONDS = 3
DRAFTS_PER_ROUND = 3


@scales(quick=(30, 1), full=(300, 3))
def test_it_keeps_working_and_sends_once_when_redis_restarts(
    scale: Scale,
    transactional_db: None,
    alice: Any,
    private_redis: RedisServer,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    spread = 10 * scale.rounds
    ids = outbox_fill(
        user=alice,
        messages=scale.messages,
        first_at=timezone.now() + datetime.timedelta(seconds=2),
        spread=datetime.timedelta(seconds=spread),
    )
    client = Message.objects.get(pk=ids[0]).client
    drafts = [
        MessageFactory(
            client=client,
            subject=f"{SUBJECT_PREFIX} draft #{n}",
            status=Message.Status.DRAFT,
        )
        for n in range(DRAFTS_PER_ROUND * scale.rounds)
    ]
    env = celery_env(
        database_url=live_database_url(),
        redis_url=private_redis.url,
        smtp_port=smtp_sink.port,
        COMMS_PLAN_EVERY="30",
        SECRET_KEY=settings.SECRET_KEY,  # the session below is signed with it
    )
    web = WebServer(env=web_env(env), logs=tmp_path)
    celery = CeleryProcesses(env=env, logs=tmp_path)
    browser = Client()
    browser.force_login(alice)
    session = HttpSession(
        web.url,
        cookies={settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value},
    )
    approvals: list[int] = []
    pages_while_down: list[int] = []
    received_at_restart: list[int] = []

    def pending() -> bool:
        return Message.objects.filter(pk__in=ids, status=Message.Status.SCHEDULED).exists()

    started_without_redis = scale.name == "full"
    try:
        web.start()
        if started_without_redis:
            # Worker and beat start while Redis is down: they must wait for it, not exit.
            private_redis.kill()
        celery.worker()
        celery.beat()
        if started_without_redis:
            time.sleep(DOWN_SECONDS)
            private_redis.start()
        for round_ in range(scale.rounds):
            before = len(smtp_sink.received)
            wait_for(
                lambda n=before: len(smtp_sink.received) > n or not pending(),
                60,
                "mail going out",
            )
            private_redis.kill()
            down_at = time.monotonic()
            for draft in drafts[round_ * DRAFTS_PER_ROUND : (round_ + 1) * DRAFTS_PER_ROUND]:
                response = session.post(
                    f"/messages/{draft.pk}/approve/", {}, headers={"HX-Request": "true"}
                )
                approvals.append(response.status)
            pages_while_down.append(session.get("/messages/").status)
            time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
            private_redis.start()
            received_at_restart.append(len(smtp_sink.received))
            # The worker reconnected and beat publishes again: mail due now goes out.
            wait_for(
                lambda n=received_at_restart[-1]: len(smtp_sink.received) > n,
                60,
                "mail after the Redis restart",
            )

        def settled() -> bool:
            return all(row.status in {"sent", "uncertain", "failed"} for row in rows_from_orm())

        wait_for(settled, timeout=60 + spread, what="every message to be sent, uncertain or failed")
        time.sleep(3)  # a few more sweeps: nothing may arrive twice
    except AssertionError:
        print(celery.log(), web.log(), sep="\n")
        raise
    finally:
        celery.stop_all()
        web.stop()

    outcome = outbox_outcome(rows_from_orm(), smtp_sink.received)
    approved_sent = Message.objects.filter(
        pk__in=[draft.pk for draft in drafts], status=Message.Status.SENT
    ).count()
    fault_report(
        "redis-restart",
        scale,
        f"restarts={scale.rounds} started_without_redis={started_without_redis} "
        f"approvals_while_down={len(approvals)} "
        f"(ok {approvals.count(200)}, sent later {approved_sent}) "
        f"received_after_restart={len(smtp_sink.received) - received_at_restart[0]} "
        + outcome.line(),
        approvals=approvals,
        pages_while_down=pages_while_down,
        outbox=outcome.counts(),
    )
    assert set(approvals) == {200}
    assert set(pages_while_down) == {200}
    assert approved_sent == len(drafts)
    assert outcome.ok, outcome.line()
    assert outcome.sent + outcome.uncertain + outcome.failed == scale.messages + len(drafts)
    assert outcome.failed == 0
