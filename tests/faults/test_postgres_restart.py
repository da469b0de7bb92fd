"""PostgreSQL restarted (and stopped for a while) under a running web app, worker and beat.

A private cluster serves gunicorn (2 workers, DEBUG off), a Celery worker and beat; an aiosmtpd
sink takes the mail. While logged-in requests run in a loop, the cluster is restarted
(``pg_ctl restart -m fast``) and then stopped for a few seconds and started again, once per
round. The app must fail cleanly (a 503 page with Retry-After, never a 500 or a hang), recover
without a restart of anything, apply no POST by halves, and deliver every scheduled message at
most once: each ends sent (and received), uncertain or failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.harness import (
    BASE_DIR,
    CeleryProcesses,
    HttpSession,
    PostgresServer,
    RedisServer,
    SmtpSink,
    WebServer,
    celery_env,
    wait_for,
    web_env,
)

from .conftest import Scale, fault_report, scales
from .outbox import outbox_outcome, rows_from_url
from .traffic import Traffic

pytestmark = [pytest.mark.e2e]

DOWN_SECONDS = 3


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def _notes(database_url: str) -> dict[str, int]:
    """Return each note's body with the number of timeline entries it has."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT n.body, count(a.id) FROM clients_note n "
            "LEFT JOIN timeline_activity a ON a.note_id = n.id GROUP BY n.id, n.body"
        ).fetchall()
    return dict(rows)


def _healthz(session: HttpSession) -> int:
    try:
        return session.get("/healthz").status
    except OSError:
        return 0


@scales(quick=(40, 1), full=(400, 3))
def test_it_fails_cleanly_and_recovers_when_postgresql_restarts(
    scale: Scale,
    private_postgres: PostgresServer,
    private_redis: RedisServer,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    private_postgres.createdb("crm")
    database_url = private_postgres.url("crm")
    env = celery_env(
        database_url=database_url,
        redis_url=private_redis.url,
        smtp_port=smtp_sink.port,
        COMMS_PLAN_EVERY="30",
        COMMS_SENDING_TIMEOUT="5",
        CONN_MAX_AGE="60",
    )
    _manage(env, "manage.py", "migrate", "--no-input", "-v0")
    # Messages fall due over the whole run: before, during and after the outages.
    spread = 8 * scale.rounds
    seeded = json.loads(
        _manage(
            env,
            "-m",
            "tests.faults.seed",
            f"--messages={scale.messages}",
            "--start-in=2",
            f"--spread={spread}",
        )
    )
    web = WebServer(env=web_env(env), logs=tmp_path)
    celery = CeleryProcesses(env=env, logs=tmp_path)
    session = HttpSession(web.url, cookies=seeded["cookies"])
    traffic = Traffic(session, client_id=seeded["client_ids"][0])
    recoveries: list[float] = []

    def pending() -> bool:
        return any(row.status == "scheduled" for row in rows_from_url(database_url))

    health_down: list[int] = []
    try:
        web.start()
        celery.worker()
        celery.beat()
        traffic.start()
        for round_ in range(1, scale.rounds + 1):
            # Faults hit open connections: the web workers served pages, the worker sent mail.
            delivered = len(smtp_sink.received)
            wait_for(lambda: traffic.recovered_since(time.monotonic() - 2), 30, "traffic")
            wait_for(
                lambda n=delivered: len(smtp_sink.received) > n or not pending(),
                30,
                "mail going out",
            )
            traffic.phase = f"restart {round_}"
            private_postgres.restart("fast")
            back = time.monotonic()
            traffic.phase = f"after restart {round_}"
            wait_for(lambda at=back: traffic.recovered_since(at), 30, "recovery after restart")
            recoveries.append(time.monotonic() - back)

            traffic.phase = f"down {round_}"
            private_postgres.stop("fast")
            health_down.append(_healthz(session))
            time.sleep(DOWN_SECONDS)
            health_down.append(_healthz(session))
            private_postgres.start()
            back = time.monotonic()
            traffic.phase = f"after start {round_}"
            wait_for(lambda at=back: traffic.recovered_since(at), 30, "recovery after start")
            recoveries.append(time.monotonic() - back)
        traffic.phase = "end"
        health_after = _healthz(session)
        traffic.stop()

        def settled() -> bool:
            rows = rows_from_url(database_url)
            return all(row.status in {"sent", "uncertain", "failed"} for row in rows)

        wait_for(settled, timeout=60 + spread, what="every message to be sent, uncertain or failed")
        time.sleep(3)  # a few more sweeps: nothing may arrive twice
    except AssertionError:
        print(celery.log(), web.log(), private_postgres.log(), sep="\n")
        raise
    finally:
        traffic.stop()
        celery.stop_all()
        web.stop()

    hits = traffic.hits
    outcome = outbox_outcome(rows_from_url(database_url), smtp_sink.received)
    statuses: dict[int, int] = {}
    for hit in hits:
        statuses[hit.status] = statuses.get(hit.status, 0) + 1
    unavailable = [hit for hit in hits if hit.status == 503]
    notes = _notes(database_url)
    posted = [hit for hit in hits if hit.action == "add note"]
    posted_ok = [hit for hit in posted if hit.status == 200]
    posted_503 = [hit for hit in posted if hit.status == 503]
    applied_503 = sum(1 for hit in posted_503 if hit.note in notes)
    fault_report(
        "postgres-restart",
        scale,
        f"restarts={scale.rounds} stops={scale.rounds} requests={len(hits)} "
        f"ok={statuses.get(200, 0)} unavailable_503={len(unavailable)} "
        f"errors={len(hits) - statuses.get(200, 0) - len(unavailable)} "
        f"notes_posted={len(posted)} (ok {len(posted_ok)}, 503 {len(posted_503)} of which "
        f"applied {applied_503}) " + outcome.line(),
        requests=len(hits),
        statuses=statuses,
        notes_posted=len(posted),
        notes_ok=len(posted_ok),
        notes_503=len(posted_503),
        notes_503_applied=applied_503,
        recovery_seconds=[round(seconds, 2) for seconds in recoveries],
        outbox=outcome.counts(),
    )

    # Failing cleanly: every answer is 200 or a 503 page with Retry-After; none hung or 500ed.
    assert [hit for hit in hits if hit.error] == []
    assert set(statuses) <= {200, 503}, statuses
    assert unavailable, "no request fell into an outage"
    assert all(hit.retry_after and hit.clean for hit in unavailable)
    assert all(hit.clean for hit in hits)
    assert health_down
    assert set(health_down) == {503}
    assert health_after == 200
    # No POST by halves: each note has its one timeline entry; each confirmed note exists.
    assert set(notes.values()) <= {1}, notes
    assert all(hit.note in notes for hit in posted_ok)
    assert set(notes) <= {hit.note for hit in posted}
    # At most once, nothing lost.
    assert outcome.ok, outcome.line()
    assert outcome.sent + outcome.uncertain + outcome.failed == scale.messages
    assert outcome.failed == 0
