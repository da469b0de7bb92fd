"""Fixtures shared by the end-to-end and fault tests: an SMTP sink and Celery subprocesses.

The components themselves live in ``tests/harness.py``; these fixtures wire them to the live
test database and the Redis of ``REDIS_URL``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.harness import CeleryProcesses, SmtpSink, celery_env, free_port, live_database_url


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free loopback port, in accept mode."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO: thousands of lines in a failure report.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_backend(settings: Any, smtp_sink: SmtpSink) -> SmtpSink:
    """Send this process's mail (the dispatcher called as a function) to the SMTP sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


@pytest.fixture
def celery_processes(
    transactional_db: None, smtp_sink: SmtpSink, tmp_path: Path
) -> Iterator[CeleryProcesses]:
    """Worker and beat subprocesses against Redis, the test database and the SMTP sink."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = celery_env(
        database_url=live_database_url(),
        redis_url=settings.REDIS_URL,
        smtp_port=smtp_sink.port,
    )
    processes = CeleryProcesses(env=env, logs=tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
