"""Benchmark the dashboard for a freelancer with 2,000 clients and 10,000 projects.

Standalone: ``DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_dashboard.py``.
Creates (or recreates) the freelancer ``bench-dashboard`` with bulk inserts, then measures the
dashboard through Django's test client in-process (middleware, view, queries, template): median
and 95th percentile of 30 requests after a warm-up, and the number of SQL queries. Prints a
markdown section and writes it to benchmarks/results/dashboard.md.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients.models import Client  # noqa: E402
from communications.models import Message  # noqa: E402
from crm import freshness  # noqa: E402
from crm.models import Profile, User  # noqa: E402
from projects.models import (  # noqa: E402
    ChangeRequest,
    Invoice,
    Milestone,
    Offer,
    Payment,
    Project,
    RevisionRound,
)
from timeline.models import Activity  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2000"))
PROJECTS = int(os.environ.get("BENCH_PROJECTS", "10000"))
RUNS = 30
WARMUP = 5
USERNAME = "bench-dashboard"
RESULT = ROOT / "benchmarks" / "results" / "dashboard.md"


def wipe() -> None:
    """Delete the benchmark freelancer and every row (invoices and projects are protected)."""
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        return
    Payment.objects.filter(invoice__owner=user).delete()
    Message.objects.filter(owner=user).delete()
    Activity.objects.filter(owner=user).delete()
    Invoice.objects.filter(owner=user).update(cancels=None)
    Invoice.objects.filter(owner=user).delete()
    Offer.objects.filter(owner=user).delete()
    Project.objects.filter(owner=user).delete()
    Client.objects.filter(owner=user).delete()
    user.delete()


def seed() -> tuple[User, dict[str, int]]:
    """Create the benchmark freelancer and their rows with bulk inserts; return row counts."""
    rng = random.Random(2026)
    wipe()
    user = User.objects.create_user(USERNAME, f"{USERNAME}@bench.example", "bench-pass-2026")
    Profile.objects.create(user=user, display_name="Bench", language="de")
    today = timezone.localdate()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    statuses = [Client.Status.ACTIVE] * 5 + [Client.Status.PAST] * 4 + [Client.Status.LEAD]
    clients = Client.objects.bulk_create(
        [
            Client(
                owner=user,
                name=f"Kunde {i:05d}",
                email=f"k{i}@bench.example",
                status=rng.choice(statuses),
            )
            for i in range(CLIENTS)
        ],
        batch_size=2000,
    )
    Client.objects.filter(owner=user).update(created_at=now - 800 * day)
    project_statuses = (
        [Project.Status.CLOSED] * 5
        + [Project.Status.DELIVERED] * 2
        + [Project.Status.ACTIVE] * 2
        + [Project.Status.ON_HOLD, Project.Status.OFFERED]
    )
    projects = Project.objects.bulk_create(
        [
            Project(
                owner=user,
                client=clients[i % CLIENTS],
                title=f"Projekt {i}",
                status=rng.choice(project_statuses),
                revisions_agreed=rng.randint(1, 3),
                deadline_on=today + rng.randint(-300, 120) * day,
            )
            for i in range(PROJECTS)
        ],
        batch_size=2000,
    )
    milestones, revisions, offers, invoices, changes = [], [], [], [], []
    for index, project in enumerate(projects):
        for number in range(2):
            due = today + rng.randint(-300, 90) * day
            done = rng.random() < 0.85 and due < today
            milestones.append(
                Milestone(
                    project=project,
                    title=f"Meilenstein {number}",
                    due_on=due,
                    forecast_on=due + rng.randint(0, 10) * day if rng.random() < 0.2 else None,
                    done_on=due if done else None,
                )
            )
        for _round in range(rng.randint(0, 3)):
            revisions.append(
                RevisionRound(
                    project=project,
                    requested_on=today - rng.randint(0, 300) * day,
                    description="Runde",
                    billing=rng.choice(
                        [RevisionRound.Billing.INCLUDED] * 4 + [RevisionRound.Billing.GOODWILL]
                    ),
                )
            )
        offer_status = rng.choice(
            [Offer.Status.ACCEPTED] * 6 + [Offer.Status.SENT, Offer.Status.DECLINED]
        )
        offers.append(
            Offer(
                owner=user,
                project=project,
                number=f"AN-{index:05d}",
                status=offer_status,
                issued_on=today - rng.randint(0, 400) * day,
                valid_until=today + rng.randint(-60, 30) * day,
                accepted_at=now - rng.randint(0, 400) * day
                if offer_status == Offer.Status.ACCEPTED
                else None,
                accepted_by_name="Bench",
                total_net=Decimal(1000),
                total_gross=Decimal(1190),
            )
        )
        invoice_status = rng.choice([Invoice.Status.PAID] * 8 + [Invoice.Status.OPEN] * 2)
        invoices.append(
            Invoice(
                owner=user,
                project=project,
                client=project.client,
                number=f"RE-{index:05d}",
                status=invoice_status,
                issued_on=today - rng.randint(0, 400) * day,
                due_on=today - rng.randint(-20, 380) * day,
                total_net=Decimal(1000),
                total_vat=Decimal(190),
                total_gross=Decimal(1190),
                amount_paid=Decimal(1190) if invoice_status == Invoice.Status.PAID else 0,
            )
        )
        if rng.random() < 0.1:
            changes.append(
                ChangeRequest(
                    owner=user,
                    project=project,
                    title="Änderung",
                    description="Bitte",
                    requested_on=today - rng.randint(0, 90) * day,
                    status=rng.choice(list(ChangeRequest.Status.values)),
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=5000)
    RevisionRound.objects.bulk_create(revisions, batch_size=5000)
    Offer.objects.bulk_create(offers, batch_size=5000)
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    ChangeRequest.objects.bulk_create(changes, batch_size=5000)
    payments = Payment.objects.bulk_create(
        [
            Payment(invoice=invoice, paid_on=invoice.issued_on + 10 * day, amount=Decimal(1190))
            for invoice in invoices
            if invoice.status == Invoice.Status.PAID
        ],
        batch_size=5000,
    )
    message_statuses = [Message.Status.SENT] * 8 + [Message.Status.SCHEDULED, Message.Status.DRAFT]
    messages = Message.objects.bulk_create(
        [
            Message(
                owner=user,
                client=clients[i % CLIENTS],
                kind=Message.Kind.STATUS_UPDATE,
                subject=f"Update {i}",
                body_text="Hallo",
                dedupe_key=f"bench:{i}",
                status=rng.choice(message_statuses),
                send_after=now + rng.randint(-5, 5) * day,
            )
            for i in range(PROJECTS * 2)
        ],
        batch_size=5000,
    )
    activities = Activity.objects.bulk_create(
        [
            Activity(
                owner=user,
                client=clients[i % CLIENTS],
                kind=Activity.Kind.NOTE,
                summary="Notiz",
                occurred_at=now - rng.randint(0, 700) * day,
            )
            for i in range(PROJECTS * 2)
        ],
        batch_size=5000,
    )
    # Spread creation times, so "not contacted for 90 days" has something to find.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE communications_message SET created_at = send_after - interval '30 days' "
            "WHERE owner_id = %s",
            [user.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    counts = {
        "clients": len(clients),
        "projects": len(projects),
        "milestones": len(milestones),
        "revision rounds": len(revisions),
        "offers": len(offers),
        "invoices": len(invoices),
        "payments": len(payments),
        "change requests": len(changes),
        "messages": len(messages),
        "activities": len(activities),
    }
    return user, counts


def measure(user: User) -> tuple[list[float], int, int, float]:
    """Return the request times (ms), the query count, the response size and the SQL time."""
    client = HttpClient()
    client.force_login(user)
    for _ in range(WARMUP):
        response = client.get("/")
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(RUNS):
        # New data before each request: the dashboard is computed, not served from its cache.
        freshness.owners_touch([user.pk])
        started = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
    sql_times = []
    for _ in range(5):
        freshness.owners_touch([user.pk])
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        sql_times.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    return times, len(queries), len(response.content), statistics.median(sql_times)


def main() -> int:
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    user, counts = seed()
    seeded = time.perf_counter() - started
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        times, query_count, size, sql_ms = measure(user)
    load = os.getloadavg()[0]
    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    rows = ", ".join(f"{number:,} {label}" for label, number in counts.items())
    verdict = "met" if p95 < 150 else "MISSED"
    section = (
        "## Dashboard\n\n"
        f"One freelancer with {rows} (seeded in {seeded:.1f} s). "
        f"`GET /` through the test client, {RUNS} runs after {WARMUP} warm-up requests, each "
        "after a change to the freelancer's data, so the dashboard is computed every time (with "
        "unchanged data it comes from the cache; see Pages).\n\n"
        "| Page | Median | p95 | SQL queries | SQL time (median) | HTML size |\n"
        "|---|---:|---:|---:|---:|---:|\n"
        f"| Dashboard | {median:.1f} ms | {p95:.1f} ms | {query_count} | {sql_ms:.1f} ms "
        f"| {size / 1024:.0f} KiB |\n\n"
        f"Load average during the run: {load:.1f} on {os.cpu_count()} cores.\n\n"
        f"Target: under 150 ms server time ({verdict} at p95). The query count is the same for "
        "any data size (asserted in dashboard/tests/test_dashboard.py).\n"
    )
    print(section)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(section)
    if not os.environ.get("BENCH_KEEP"):
        wipe()
    return 0 if p95 < 150 else 1


if __name__ == "__main__":
    sys.exit(main())
