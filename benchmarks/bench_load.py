"""Load test: gunicorn (2 workers) on the large data set, driven by locust headless on loopback.

Standalone: ``DATABASE_URL=postgres://.../crm .venv/bin/python benchmarks/bench_load.py``.
Uses the ``<name>_large`` database of bench_pages.py (seeds it first if it is missing), runs
collectstatic, starts gunicorn with DEBUG off on a free 127.0.0.1 port, runs
benchmarks/locustfile.py for LOAD_SECONDS with LOAD_USERS_COUNT users, stops gunicorn and writes
benchmarks/results/load.md (throughput, p50/p95/p99, errors).
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_pages import TARGET_USER, database_ensure, size_url  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "load.md"
USERS = int(os.environ.get("LOAD_USERS_COUNT", "20"))
SPAWN = int(os.environ.get("LOAD_SPAWN_RATE", "5"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_GUNICORN_WORKERS", "2"))
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def large_ready(env: dict[str, str]) -> bool:
    code = (
        "from crm.models import User; import sys; "
        f"sys.exit(0 if User.objects.filter(username={TARGET_USER['large']!r}).exists() else 1)"
    )
    return (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=False
        ).returncode
        == 0
    )


def wait_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy")


def main() -> int:
    url_db = size_url("large")
    database_ensure(url_db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url_db,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    if not large_ready(env):
        subprocess.run(
            [sys.executable, "benchmarks/bench_pages.py", "large"],
            cwd=ROOT,
            env={**os.environ},
            check=True,
        )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "crm.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("LOAD_ACCESS_LOG") else "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_healthy(base)
        cpu_before = workers_cpu(gunicorn.pid)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "load"
            load_before = os.getloadavg()[0]
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(ROOT / "benchmarks" / "locustfile.py"),
                    "--headless",
                    "-H",
                    base,
                    "-u",
                    str(USERS),
                    "-r",
                    str(SPAWN),
                    "--run-time",
                    f"{SECONDS}s",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                check=False,
            )
            load_after = os.getloadavg()[0]
            cpu = workers_cpu(gunicorn.pid) - cpu_before
            rows = list(csv.DictReader(open(f"{prefix}_stats.csv")))  # noqa: SIM115
            failures = list(csv.DictReader(open(f"{prefix}_failures.csv")))  # noqa: SIM115
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(report(rows, failures, load_before, load_after, cpu))
    print(RESULT.read_text())
    return 0


CAPACITY = """\
Why the target is missed here: with sync workers the ceiling is (cores free for gunicorn) /
(CPU time per request). The line above measures the web processes' share; the in-process
times in "Pages" (dashboard 80 ms at the large size, weighted 4 of 20 tasks; messages 70 ms;
the rest 10-25 ms) add PostgreSQL on the same cores. So even two idle cores stay below
100 req/s with this mix, and here locust took part of a core and other engineers' jobs (a
pytest process at 100 % of one core during the final run) kept the load average between 2.5
and 4. With 20 users and 2 workers, requests queue, which is what p50/p95 show. Reaching
100 req/s at p95 < 200 ms needs about twice the cores (gunicorn scales by adding workers and
machines, see docs/deploy.md) or a cheaper mix: the dashboard (cache its summary for a
minute) and the messages view's client picker are the first candidates (see "Pages")."""


def workers_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) used so far by gunicorn's worker processes."""
    import psutil  # installed with locust

    total = 0.0
    for child in psutil.Process(pid).children():
        times = child.cpu_times()
        total += times.user + times.system
    return total


def report(  # type: ignore[type-arg]
    rows: list[dict], failures: list[dict], before: float, after: float, cpu: float
) -> str:
    def ms(row: dict, key: str) -> str:  # type: ignore[type-arg]
        return row.get(key, "") or "–"

    total = next(r for r in rows if r["Name"] == "Aggregated")
    rps = float(total["Requests/s"])
    p95 = float(total["95%"])
    errors = int(total["Failure Count"])
    met = rps >= 100 and p95 < 200 and errors == 0
    lines = [
        "## Load (gunicorn, 2 workers, locust)",
        "",
        f"gunicorn {WORKERS} workers (sync) with DEBUG off on the large data set, driven on "
        f"loopback by locust headless: {USERS} users (spawn {SPAWN}/s) for {SECONDS} s, wait "
        "0.05-0.2 s between tasks; each user logs in as one of 5 freelancers (`bench-large` with "
        "2,000 clients and `load-1`..`load-4` with 500 each) and mixes reads (dashboard, client "
        "list with search, client page, project page, messages) with edits (add a note through "
        "the htmx endpoint, approve a draft, edit a client through its form, CSRF as a "
        f"browser does). Locust runs on the same 2 cores. Load average {before:.1f} before, "
        f"{after:.1f} after.",
        "",
        "| Request | count | errors | median ms | p95 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        label = f"{row['Type']} {name}" if row["Name"] != "Aggregated" else name
        lines.append(
            f"| {label} | {row['Request Count']} | {row['Failure Count']} | "
            f"{ms(row, '50%')} | {ms(row, '95%')} | {ms(row, '99%')} | "
            f"{float(row['Requests/s']):.1f} |"
        )
    lines += [
        "",
        f"Throughput {rps:.0f} req/s, p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"p99 {total['99%']} ms, {errors} errors. Target ≥ 100 req/s at p95 < 200 ms with 0 "
        f"errors: **{'met' if met else 'MISSED'}**.",
    ]
    count = int(total["Request Count"]) or 1
    lines += [
        "",
        f"The gunicorn workers used {cpu:.1f} CPU seconds for {count} requests: "
        f"{cpu / count * 1000:.1f} ms of web-process CPU per request (PostgreSQL not included; "
        f"the {USERS} logins with PBKDF2 hashing take about 0.4 s each of it), so two cores "
        f"given to gunicorn alone would serve at most about {2 / (cpu / count):.0f} req/s "
        "with this mix.",
    ]
    if not met:
        lines += ["", CAPACITY]
    for failure in failures:
        lines.append(
            f"* failure: {failure['Method']} {failure['Name']}: {failure['Error']} "
            f"({failure['Occurrences']}x)"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
