"""Benchmark time tracking: the week view and the project page of a freelancer with 50,000 time
entries, and the retainer planner over 10,000 retainers.

Standalone: ``DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_time.py``.
Creates (or recreates) the freelancer ``bench-time`` (50,000 entries over ten years on 200
projects, 20,000 of them on the project measured, about eight projects in any week) and 100
freelancers ``bench-retainer-NNN`` with 100 retainers each (half retainers with included hours
and some time, half plain recurring invoices), all with bulk inserts. Pages go through Django's
test client in-process: median and 95th percentile of RUNS requests after WARMUP, and the SQL
query count, measured with 500 and with 50,000 entries (the count must not change). The
planner is timed as beat runs it on the first of the month (every retainer due: 10,000
invoices, at most PLAN_LIMIT per run), on a run with nothing due, and with two planners at once
until both find nothing. Writes benchmarks/results/time.md.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import threading
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
from crm import freshness  # noqa: E402
from crm.models import AuditEntry, Profile, User  # noqa: E402
from projects.models import Invoice, InvoiceLine, Milestone, Project  # noqa: E402
from timetracking import retainers  # noqa: E402
from timetracking.models import BillingPeriod, Retainer, TimeEntry, TimeSettings  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "50000"))
RETAINERS = int(os.environ.get("BENCH_RETAINERS", "10000"))
RETAINER_OWNERS = 100
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WARMUP = 5
PAGE_TARGET_MS = 100
PLANNER_TARGET_S = 2.0
USERNAME = "bench-time"
RESULT = ROOT / "benchmarks" / "results" / "time.md"
DAY = datetime.timedelta(days=1)


def wipe() -> None:
    """Delete the benchmark freelancers and all their rows (invoices and projects protected)."""
    users = list(User.objects.filter(username__startswith="bench-retainer-")) + list(
        User.objects.filter(username=USERNAME)
    )
    for user in users:
        BillingPeriod.objects.filter(owner=user).delete()
        Retainer.objects.filter(owner=user).delete()
        TimeEntry.objects.filter(owner=user).delete()
        InvoiceLine.objects.filter(invoice__owner=user).delete()
        Invoice.objects.filter(owner=user).delete()
        AuditEntry.objects.filter(owner=user).delete()
        Project.objects.filter(owner=user).delete()
        Client.objects.filter(owner=user).delete()
        user.delete()


def freelancer(username: str) -> User:
    # No password: the benchmark logs in with force_login (hashing 100 passwords took 30 s).
    user = User(username=username, email=f"{username}@bench.example")
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, display_name=username, language="de")
    TimeSettings.objects.create(owner=user, hourly_rate=Decimal("85.00"), rounding=6)
    return user


def seed_entries(user: User, count: int, rng: random.Random, projects: list[Project]) -> None:
    """Add ``count`` entries over ten years: 40 % on the first project (the one measured), the
    rest on the few projects running at the time (each of the others runs for a few weeks, as a
    freelancer's projects do, so a week shows about eight of them)."""
    today = timezone.localdate()
    measured, others = projects[0], projects[1:]
    milestones = list(Milestone.objects.filter(project=measured))
    span = 10 * 365
    rows = []
    for index in range(count):
        back = rng.randint(0, span)
        day = today - back * DAY
        if index % 5 < 2:
            project = measured
        else:
            running = int((span - back) / span * (len(others) - 8))
            project = others[running + rng.randint(0, 7)]
        start = datetime.datetime.combine(day, datetime.time(rng.randint(7, 17)), datetime.UTC)
        minutes = rng.choice([15, 30, 45, 60, 90, 120])
        timed = index % 3 == 0
        rows.append(
            TimeEntry(
                owner=user,
                project=project,
                milestone=milestones[index % len(milestones)] if project is measured else None,
                work_on=day,
                started_at=start if timed else None,
                ended_at=start + datetime.timedelta(minutes=minutes) if timed else None,
                seconds=minutes * 60,
                description=f"Arbeit {index}",
                is_billable=index % 10 != 0,
                hourly_rate=Decimal("85.00"),
                is_out_of_scope=index % 50 == 0,
            )
        )
    TimeEntry.objects.bulk_create(rows, batch_size=5000)


def seed_pages() -> tuple[User, Project, random.Random]:
    rng = random.Random(2026)
    user = freelancer(USERNAME)
    clients = Client.objects.bulk_create(
        [Client(owner=user, name=f"Kunde {i:03d}", language="de") for i in range(20)]
    )
    projects = Project.objects.bulk_create(
        [
            Project(
                owner=user,
                client=clients[i % 20],
                title=f"Projekt {i}",
                status=Project.Status.ACTIVE if i < 40 else Project.Status.CLOSED,
                pricing=Project.Pricing.HOURLY,
                hourly_rate=Decimal("85.00"),
                estimated_hours=Decimal(400),
            )
            for i in range(200)
        ]
    )
    today = timezone.localdate()
    Milestone.objects.bulk_create(
        [
            Milestone(
                project=projects[0],
                title=f"Meilenstein {i}",
                due_on=today + (i * 14 - 60) * DAY,
                estimated_hours=Decimal(80),
            )
            for i in range(8)
        ]
    )
    seed_entries(user, 500, rng, projects)
    return user, projects[0], rng


def seed_retainers() -> None:
    """100 freelancers with 100 clients, projects and retainers each; all due this month."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    start = (this_month - DAY).replace(day=1)  # last month: its invoice is due on the 1st
    for owner_index in range(RETAINER_OWNERS):
        user = freelancer(f"bench-retainer-{owner_index:03d}")
        count = RETAINERS // RETAINER_OWNERS
        clients = Client.objects.bulk_create(
            [Client(owner=user, name=f"R-Kunde {i}", language="de") for i in range(count)]
        )
        projects = Project.objects.bulk_create(
            [
                Project(owner=user, client=client, title="Betreuung", status=Project.Status.ACTIVE)
                for client in clients
            ]
        )
        rows = []
        for index, project in enumerate(projects):
            hourly = index % 2 == 0
            retainer = Retainer(
                owner=user,
                kind=Retainer.Kind.RETAINER if hourly else Retainer.Kind.RECURRING,
                project=project,
                title="Website-Betreuung" if hourly else "Hosting",
                interval=Retainer.Interval.MONTHLY,
                amount=Decimal("900.00") if hourly else Decimal("49.00"),
                included_hours=Decimal(10) if hourly else None,
                overage_rate=Decimal("85.00") if hourly else None,
                starts_on=start if hourly else this_month,
                invoice_day=1,
            )
            retainers.schedule_reset(retainer)
            rows.append(retainer)
        Retainer.objects.bulk_create(rows, batch_size=2000)
        # A fifth of the hourly retainers worked beyond their hours last month.
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    owner=user,
                    project=project,
                    work_on=start + 3 * DAY,
                    seconds=12 * 3600,
                    hourly_rate=Decimal("85.00"),
                )
                for index, project in enumerate(projects)
                if index % 10 == 0
            ]
        )


def measure_page(user: User, url: str, *, after_write: bool = False) -> tuple[list[float], int]:
    """Time ``url`` RUNS times; ``after_write``: each request right after a write to the
    freelancer's time entries (cached figures are computed afresh, as after a booking)."""
    client = HttpClient()
    client.force_login(user)
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(RUNS):
        if after_write:
            freshness.owners_touch([user.pk], TimeEntry)
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    if after_write:
        freshness.owners_touch([user.pk], TimeEntry)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def planner_run() -> tuple[float, int]:
    started = time.perf_counter()
    drafted = retainers.retainers_plan()
    return time.perf_counter() - started, drafted


def planner_drain() -> list[tuple[float, int]]:
    """Run the planner as beat would, until a run finds nothing due; return each run."""
    runs = []
    while True:
        seconds, drafted = planner_run()
        runs.append((seconds, drafted))
        if not drafted:
            return runs


def main() -> int:
    call_command("migrate", verbosity=0, interactive=False)
    wipe()
    started = time.perf_counter()
    user, project, rng = seed_pages()
    monday = timezone.localdate() - timezone.localdate().weekday() * DAY
    pages = {
        "Week view (this week)": f"/time/?on={monday.isoformat()}",
        "Project page": f"/projects/{project.pk}/",
        # The same page right after time was booked: its time figures computed afresh.
        "Project page after a booking (figures recomputed)": f"/projects/{project.pk}/#fresh",
        "Project time page (entries, page 1)": f"/time/projects/{project.pk}/",
        # Not time tracking: how busy the machine is (the same page in docs/performance.md).
        "Client list, 20 clients (reference)": "/clients/",
    }
    results: dict[str, dict[str, object]] = {}
    settings = override_settings(
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with settings:
        for label, url in pages.items():
            _times, queries = measure_page(user, url, after_write="#fresh" in url)
            results[label] = {"small_queries": queries}
    seed_entries(user, ENTRIES - 500, rng, list(Project.objects.filter(owner=user).order_by("pk")))
    entries = TimeEntry.objects.filter(owner=user).count()
    on_project = TimeEntry.objects.filter(project=project).count()
    this_week = TimeEntry.objects.filter(
        owner=user, work_on__gte=monday, work_on__lte=monday + 6 * DAY
    )
    week_entries = this_week.count()
    week_projects = this_week.values("project").distinct().count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE timetracking_timeentry")
    with settings:
        for label, url in pages.items():
            times, queries = measure_page(user, url, after_write="#fresh" in url)
            results[label].update(
                median=statistics.median(times),
                p95=statistics.quantiles(times, n=20)[-1],
                queries=queries,
            )
    seed_retainers()
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    backlog = planner_drain()
    first, drafted = backlog[0]
    second, again = planner_run()
    invoices = Invoice.objects.filter(owner__username__startswith="bench-retainer-").count()
    periods = BillingPeriod.objects.filter(owner__username__startswith="bench-retainer-").count()
    # The race: drafts undone, then two planners at once (each thread its own connection),
    # each running until it finds nothing due.
    BillingPeriod.objects.filter(owner__username__startswith="bench-retainer-").delete()
    AuditEntry.objects.filter(owner__username__startswith="bench-retainer-").delete()
    InvoiceLine.objects.filter(invoice__owner__username__startswith="bench-retainer-").delete()
    Invoice.objects.filter(owner__username__startswith="bench-retainer-").delete()
    TimeEntry.objects.filter(owner__username__startswith="bench-retainer-").update(invoice=None)
    for retainer_row in Retainer.objects.filter(owner__username__startswith="bench-retainer-"):
        retainers.schedule_reset(retainer_row)
        retainer_row.save(update_fields=["next_period_on", "next_draft_on"])
    race: list[list[tuple[float, int]]] = []

    def run() -> None:
        race.append(planner_drain())
        connection.close()

    race_started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    race_seconds = time.perf_counter() - race_started
    race_invoices = Invoice.objects.filter(owner__username__startswith="bench-retainer-").count()
    race_unique = (
        BillingPeriod.objects.filter(owner__username__startswith="bench-retainer-")
        .values("retainer", "starts_on")
        .distinct()
        .count()
    )
    load = os.getloadavg()[0]

    flat = all(row["small_queries"] == row["queries"] for row in results.values())
    pages_ok = all(
        row["p95"] < PAGE_TARGET_MS  # type: ignore[operator]
        for label, row in results.items()
        if "reference" not in label
    )
    lines = [
        "## Time tracking",
        "",
        f"One freelancer with {entries:,} time entries over ten years on 200 projects, "
        f"{on_project:,} of them on the project measured (8 milestones with estimates), about "
        f"{week_entries} entries on {week_projects} projects in the week shown; "
        f"{RETAINERS:,} retainers of {RETAINER_OWNERS} freelancers (half with included hours, "
        f"a tenth of those with 12 h of last month's time, half plain monthly recurring "
        f"invoices), all due on the run measured; seeded in {seeded:.0f} s. Pages through the "
        f"test client (DEBUG off), {RUNS} requests after {WARMUP} warm-ups; queries counted with "
        "500 entries and again with all of them.",
        "",
        "| Page | median ms | p95 ms | queries (500 entries) | queries (all) | p95 < 100 ms |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for label, row in results.items():
        lines.append(
            f"| {label} | {row['median']:.1f} | {row['p95']:.1f} | {row['small_queries']} "
            f"| {row['queries']} | {'yes' if row['p95'] < PAGE_TARGET_MS else 'no'} |"  # type: ignore[operator]
        )
    lines += [
        "",
        f"| Retainer planner ({RETAINERS:,} retainers) | seconds | invoices drafted | target |",
        "|---|---:|---:|---:|",
        f"| first run of the month (all due; at most {retainers.PLAN_LIMIT:,} per run) "
        f"| {first:.2f} | {drafted:,} | < 2 s {'ok' if first < PLANNER_TARGET_S else 'MISSED'} |",
        f"| the backlog, run after run ({len(backlog)} runs, the last finds nothing) "
        f"| {sum(s for s, _n in backlog):.2f} in all; per run median "
        f"{statistics.median(s for s, n in backlog if n):.2f}, slowest "
        f"{max(s for s, _n in backlog):.2f} "
        f"| {sum(n for _s, n in backlog):,} | each run < 2 s "
        f"{'ok' if max(s for s, _n in backlog) < PLANNER_TARGET_S else 'MISSED'} |",
        f"| a run with nothing due (steady state) | {second:.3f} | {again} | < 2 s "
        f"{'ok' if second < PLANNER_TARGET_S else 'MISSED'} |",
        f"| two planners at once until both find nothing | {race_seconds:.2f} | "
        f"{' + '.join(str(sum(n for _s, n in runs)) for runs in race)} "
        "| one invoice per period |",
        "",
        f"Invoices after the first two runs: {invoices:,} for {periods:,} periods; after the "
        f"race: {race_invoices:,} invoices for {race_unique:,} distinct periods. "
        f"Query counts flat: {'yes' if flat else 'NO'}. Load average at the end: {load:.1f} on "
        f"{os.cpu_count()} cores (shared).",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(section)
    if not os.environ.get("BENCH_KEEP"):
        wipe()
    slowest = max(seconds for seconds, _n in backlog)
    ok = flat and pages_ok and slowest < PLANNER_TARGET_S and race_invoices == race_unique
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
