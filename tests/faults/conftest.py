"""Fixtures of the fault-injection suite: private servers, scales and the counts report.

Every fault test runs at two scales: ``quick`` (in ``make test`` and CI) and ``full`` (marked
``faults``, deselected by default; ``make faults`` runs them). Each test reports one line of
counts (``FAULTS <name> [<scale>]: ...``), repeated at the end of the run and written as JSON to
``benchmarks/results/faults-<name>-<scale>.json`` for docs/reliability.md.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness import BASE_DIR, PostgresServer, RedisServer

RESULTS_DIR = BASE_DIR / "benchmarks" / "results"
REPORTS: list[str] = []


@dataclass(frozen=True)
class Scale:
    """How hard a fault test pushes: the number of messages and of faults (restarts, kills)."""

    name: str
    messages: int
    rounds: int


def scales(*, quick: tuple[int, int], full: tuple[int, int]) -> pytest.MarkDecorator:
    """Parametrize a test with ``scale``: (messages, rounds) quick in the suite, full on demand."""
    return pytest.mark.parametrize(
        "scale",
        [
            pytest.param(Scale("quick", *quick), id="quick"),
            pytest.param(Scale("full", *full), id="full", marks=pytest.mark.faults),
        ],
    )


def fault_report(name: str, scale: Scale, line: str, **data: Any) -> None:
    """Print the one-line summary of a fault test and write its counts as JSON."""
    summary = f"FAULTS {name} [{scale.name}]: {line}"
    print(summary)
    REPORTS.append(summary)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"faults-{name}-{scale.name}.json"
    record = {
        "test": name,
        "scale": scale.name,
        "summary": line,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "platform": platform.platform(),
        **data,
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat every fault test's counts at the end of the run (for docs/reliability.md)."""
    for line in REPORTS:
        terminalreporter.write_line(line)


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A running PostgreSQL cluster of this test alone, on a free loopback port."""
    server = PostgresServer.create()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A running redis-server of this test alone, on a free loopback port."""
    server = RedisServer.create(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
