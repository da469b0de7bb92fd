"""Tasks reconnect after the database dropped their connection (a PostgreSQL restart).

The real restart under a running worker is tests/faults/test_postgres_restart.py; here the
injected fault is the server side of the connection going away between two tasks.
"""

from __future__ import annotations

import pytest
from celery.signals import task_prerun
from django.db import DatabaseError, connection

from communications.tasks import dispatch_messages


def _select_one() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_it_reconnects_the_next_task_after_the_server_closed_the_connection() -> None:
    assert _select_one() == 1  # connected, health check done for this "task"
    connection.connection.close()  # what a restart does to the worker's open connection
    with pytest.raises(DatabaseError):
        _select_one()  # the task running at the time fails: that cannot be helped

    task_prerun.send(
        sender=dispatch_messages, task_id="t", task=dispatch_messages, args=(), kwargs={}
    )

    assert _select_one() == 1  # the next task reconnects instead of failing for ever


@pytest.mark.django_db(transaction=True)
def test_it_reconnects_when_the_connection_died_while_idle() -> None:
    assert _select_one() == 1
    connection.connection.close()  # no query failed: only the health check can notice

    task_prerun.send(
        sender=dispatch_messages, task_id="t", task=dispatch_messages, args=(), kwargs={}
    )

    assert _select_one() == 1


def test_it_lets_the_worker_wait_for_the_broker_for_ever() -> None:
    from crm.celery import app

    # Measured: with max_retries=2 a worker whose Redis died exited ("Unrecoverable error")
    # after its second retry; Celery's default of 100 retries ends the same way after ~46 min.
    assert app.conf.broker_connection_retry is True
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.broker_connection_max_retries is None
