"""Benchmark: the client list with 2,000 clients and a client page with 500 timeline entries.

Standalone: ``DATABASE_URL=... .venv/bin/python benchmarks/bench_clients.py``. Creates (or
refreshes) the freelancer ``bench-clients`` through the clients demo-data code, times both pages
through Django's test client (server time: middleware, view, queries, templates; no network),
prints a markdown table and writes it to benchmarks/results/clients.md.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients import demo  # noqa: E402
from clients.models import Client, Note  # noqa: E402
from crm.demo import DemoContext  # noqa: E402
from crm.models import Profile, User  # noqa: E402
from timeline.models import Activity  # noqa: E402

RUNS = 30
CLIENTS = 2000
TIMELINE = 500
TARGET_MS = 100
USERNAME = "bench-clients"


def prepare() -> tuple[User, Client]:
    """Create the freelancer with 2,000 demo clients and one client with 500 timeline entries."""
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "bench-clients@example.com"}
        )
        Profile.objects.get_or_create(user=user, defaults={"language": "en"})
        demo.wipe(user)
        context = DemoContext(
            user=user,
            rng=random.Random(2026),
            clients=CLIENTS,
            today=timezone.localdate(),
            now=timezone.now(),
        )
        demo.seed(context)
        busy = context.shared["clients"][0]
        now = timezone.now()
        notes = Note.objects.bulk_create(
            [
                Note(client=busy, kind=Note.Kind.CALL, body=f"Call {index}", noted_on=now.date())
                for index in range(50)
            ]
        )
        Activity.objects.bulk_create(
            [
                Activity(
                    owner=user,
                    client=busy,
                    kind=Activity.Kind.NOTE if index % 3 else Activity.Kind.MESSAGE,
                    occurred_at=now - datetime.timedelta(hours=index),
                    summary=f"Timeline entry {index}",
                    note=notes[index % 50] if index % 3 else None,
                )
                for index in range(TIMELINE - Activity.objects.filter(client=busy).count())
            ]
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return user, busy


def measure(http: HttpClient, url: str) -> dict[str, float]:
    """Return median and p95 in ms over RUNS requests after a warm-up, and the query count."""
    for _ in range(3):
        assert http.get(url).status_code == 200
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = http.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        http.get(url)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": len(queries),
    }


def main() -> int:
    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    user, busy = prepare()
    setup_s = time.monotonic() - started
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        return report(user, busy, setup_s)


def report(user: User, busy: Client, setup_s: float) -> int:
    """Measure every page and write the markdown table; return 1 when a target is missed."""
    http = HttpClient()
    http.force_login(user)
    cases = [
        (f"Client list, {CLIENTS} clients (page 1 of {CLIENTS // 25})", reverse("clients:list")),
        (
            "Client list, search + tag filter",
            reverse("clients:list") + "?q=weber&tag=Retainer&sort=-created",
        ),
        (
            f"Client page, {TIMELINE} timeline entries",
            reverse("clients:detail", args=[busy.pk]),
        ),
        (
            "Client page, timeline filtered by kind (htmx partial)",
            reverse("clients:timeline", args=[busy.pk]) + "?kind=note&page=5",
        ),
    ]
    rows = []
    failed = False
    for label, url in cases:
        result = measure(http, url)
        ok = result["p95"] < TARGET_MS
        failed |= not ok
        rows.append(
            f"| {label} | {result['median']:.1f} | {result['p95']:.1f} | {result['queries']} "
            f"| {'yes' if ok else 'NO'} |"
        )
    database = connection.vendor
    table = "\n".join(
        [
            "## Clients",
            "",
            f"{CLIENTS} demo clients (with contacts, tags, notes and their timeline entries), "
            f"one of them with {TIMELINE} timeline entries; {RUNS} requests each after 3 "
            f"warm-ups, through django.test.Client with a logged-in freelancer ({database}; "
            f"data set up in {setup_s:.1f} s).",
            "",
            f"| Page | median (ms) | p95 (ms) | SQL queries | p95 < {TARGET_MS} ms |",
            "|---|---:|---:|---:|:---:|",
            *rows,
        ]
    )
    print(table)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "clients.md").write_text(table + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
