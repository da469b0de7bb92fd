"""Real components for end-to-end tests: an aiosmtpd sink and Celery worker/beat subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Any

    @property
    def subject(self) -> str:
        # Django folds a non-ASCII subject onto a continuation line; unfold it as clients do.
        return str(self.message["subject"]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class SmtpSink:
    """An SMTP server on loopback that records what it accepts; it can refuse or hang."""

    port: int
    mode: str = "accept"  # accept | refuse | hang
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "refuse":
            return "554 5.7.1 Refused by the test sink"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.mode == "hang":
            # The data is here (handed off), but the client never hears back.
            await asyncio.sleep(120)
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what or condition}")


@dataclass
class CeleryProcesses:
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "crm", *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(
            name,
            "worker",
            "-l",
            "info",
            "--concurrency=2",
            "-n",
            f"{name}-{os.getpid()}@e2e",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def beat(self) -> subprocess.Popen:
        return self.start(
            "beat", "beat", "-l", "info", "-s", str(self.logs / "beat-schedule"), "--pidfile="
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM if name == "beat" else signal.SIGKILL)

    def log(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in self.logs.glob("*.log")
        )


@pytest.fixture
def celery_processes(
    transactional_db: None, smtp_sink: SmtpSink, tmp_path: Path
) -> Iterator[CeleryProcesses]:
    """Worker and beat subprocesses against Redis, the test database and the SMTP sink."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "SECRET_KEY": "e2e-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "true",
        "COMMS_PLAN_EVERY": "1",
        "COMMS_DISPATCH_EVERY": "1",
        "COMMS_SENDING_TIMEOUT": "4",
        "EMAIL_TIMEOUT": "60",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
    }
    processes = CeleryProcesses(env=env, logs=tmp_path)
    try:
        yield processes
    except BaseException:
        raise
    finally:
        processes.stop_all()
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
