"""Benchmark the main pages at three data sizes, side by side, so growth is visible.

Standalone: ``DATABASE_URL=postgres://.../crm .venv/bin/python benchmarks/bench_pages.py``
(options: ``--fresh`` to seed again, and any of ``small large multi`` to measure only those).
Each size lives in its own PostgreSQL database next to DATABASE_URL's (``<name>_small``,
``<name>_large``, ``<name>_multi``), created, migrated and seeded on first use; a data set that is
already there is measured again without seeding (``--fresh`` seeds it anew; reruns take about
two minutes, a fresh run about seven).

The data is made by the project's own demo code (``demo_data`` / each app's ``demo.seed``):

* small: one freelancer with 50 clients (``demo_data --clients 50``);
* large: one freelancer with ``demo_data --clients 2000``, then more projects, invoices (with
  their lines) and messages cloned in bulk from the demo rows, up to 10,000 / 20,000 / 50,000;
  plus four more freelancers (``load-1`` .. ``load-4``, 500 clients each) for the load test;
* multi: 1,000 freelancers with 20 clients each (the seeds called in-process; passwords hashed
  with MD5 while seeding only, since the benchmark logs in with ``force_login``).

For one freelancer per size it requests the dashboard, client list, a client page, a project
page, the messages view and the portal page through Django's test client in-process
(``force_login``): median and p95 of RUNS requests after WARMUP, and the SQL query count. Writes
benchmarks/results/pages.md.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "pages.md"
SIZES = ("small", "large", "multi")
RUNS = int(os.environ.get("BENCH_RUNS", "25"))
WARMUP = 3
TARGET_USER = {"small": "bench-small", "large": "bench-large", "multi": "multi-0500"}
LOAD_USERS = [f"load-{n}" for n in range(1, 5)]
LARGE = {"projects": 10_000, "invoices": 20_000, "messages": 50_000}
MULTI_FREELANCERS = 1000


def size_url(size: str) -> str:
    """Return DATABASE_URL with the database name suffixed by ``_<size>``."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("bench_pages needs a PostgreSQL DATABASE_URL")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{size}"))


def database_ensure(url: str) -> None:
    """Create the database if it is missing (safe to run twice)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --------------------------------------------------------------------------- worker (one size)


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    import django

    django.setup()


def seed_small() -> None:
    from django.core.management import call_command

    call_command("demo_data", user="bench-small", clients=50, stdout=sys.stderr)


def clone(rows: list, count: int, change) -> list:  # type: ignore[type-arg]
    """Return ``count`` unsaved copies of ``rows`` (round robin), each passed through change."""
    from django.db.models.base import ModelState

    copies = []
    for index in range(count):
        row = copy.copy(rows[index % len(rows)])
        row.pk = None
        row._state = ModelState()
        change(row, index)
        copies.append(row)
    return copies


def seed_large() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from clients.models import Client
    from communications.models import Message
    from projects.models import Invoice, InvoiceLine, Project

    call_command("demo_data", user="bench-large", clients=2000, stdout=sys.stderr)
    for username in LOAD_USERS:
        call_command("demo_data", user=username, clients=500, stdout=sys.stderr)
    from crm.models import User

    user = User.objects.get(username="bench-large")
    clients = list(Client.objects.filter(owner=user).order_by("pk"))
    with transaction.atomic():
        base = list(Project.objects.filter(owner=user).order_by("pk"))

        def project_change(row: Project, index: int) -> None:
            row.client = clients[(index * 7) % len(clients)]

        extra = clone(base, LARGE["projects"] - len(base), project_change)
        Project.objects.bulk_create(extra, batch_size=1000)
        projects = base + extra

        invoices = list(Invoice.objects.filter(owner=user, cancels__isnull=True).order_by("pk"))
        lines: dict[int, list[InvoiceLine]] = {}
        for line in InvoiceLine.objects.filter(invoice__in=invoices):
            lines.setdefault(line.invoice_id, []).append(line)
        sources: list[int] = []

        def invoice_change(row: Invoice, index: int) -> None:
            sources.append(row.pk_source)  # type: ignore[attr-defined]
            project = projects[(index * 3) % len(projects)]
            row.project, row.client = project, project.client
            row.offer = None
            row.cancels = None
            if row.number:
                row.number = f"B{index:06d}-{row.number}"[:30]

        for invoice in invoices:
            invoice.pk_source = invoice.pk  # type: ignore[attr-defined]
        new = clone(
            invoices, LARGE["invoices"] - Invoice.objects.filter(owner=user).count(), invoice_change
        )
        Invoice.objects.bulk_create(new, batch_size=1000)
        new_lines = []
        for invoice, source in zip(new, sources, strict=True):
            for line in lines.get(source, []):
                copied = copy.copy(line)
                copied.pk = None
                copied._state = type(line._state)()
                copied.invoice = invoice
                new_lines.append(copied)
        InvoiceLine.objects.bulk_create(new_lines, batch_size=2000)

        messages = list(
            Message.objects.filter(owner=user).exclude(status=Message.Status.DRAFT).order_by("pk")
        )

        def message_change(row: Message, index: int) -> None:
            row.dedupe_key = f"bench:{index}"
            row.client = clients[(index * 11) % len(clients)]
            row.project = None
            row.invoice = None
            row.milestone = None
            row.offer = None
            row.change_request = None

        total = Message.objects.filter(owner=user).count()
        Message.objects.bulk_create(
            clone(messages, LARGE["messages"] - total, message_change), batch_size=2000
        )


def seed_multi() -> None:
    import random

    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from crm.demo import DemoContext, demo_modules
    from crm.management.commands.demo_data import demo_user_refresh

    modules = demo_modules()
    started = time.monotonic()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for number in range(MULTI_FREELANCERS):
            with transaction.atomic():
                user = demo_user_refresh(
                    username=f"multi-{number:04d}",
                    password="multi-pass-2026",  # noqa: S106
                    language="de",
                )
                context = DemoContext(
                    user=user,
                    rng=random.Random(number),
                    clients=20,
                    today=timezone.localdate(),
                    now=timezone.now(),
                )
                for module in modules:
                    module.seed(context)
            if number % 100 == 99:
                print(
                    f"  multi: {number + 1} freelancers, {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )


def counts(user: object = None) -> dict[str, int]:
    """Return row counts of the whole database, or of one freelancer's rows."""
    from clients.models import Client
    from communications.models import Message
    from crm.models import User
    from projects.models import Invoice, Project

    mine = {"owner": user} if user else {}
    found = {} if user else {"freelancers": User.objects.count()}
    return found | {
        "clients": Client.objects.filter(**mine).count(),
        "projects": Project.objects.filter(**mine).count(),
        "invoices": Invoice.objects.filter(**mine).count(),
        "messages": Message.objects.filter(**mine).count(),
    }


def pages_for(username: str) -> list[tuple[str, str, bool, bool]]:
    """Return (label, url, logged_in, changed) for the pages measured, picked the same way at
    any size. ``changed``: the freelancer's data changes before each request, so the dashboard
    is computed, not served from its cache (crm/freshness.py)."""
    from django.db.models import Count

    from communications.models import Message
    from crm.models import User
    from portal.models import PortalLink

    user = User.objects.get(username=username)
    link = (
        PortalLink.objects.filter(owner=user, revoked_at__isnull=True)
        .select_related("project")
        .order_by("pk")
        .first()
    )
    project = link.project
    busiest = (
        Message.objects.filter(owner=user)
        .values("client_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    client_id = busiest["client_id"] if busiest else project.client_id
    return [
        ("Dashboard `/`, computed (data changed)", "/", True, True),
        ("Dashboard `/`, cached (data unchanged)", "/", True, False),
        ("Client list", "/clients/", True, False),
        ("Client list, search", "/clients/?q=a", True, False),
        ("Client page (busiest client)", f"/clients/{client_id}/", True, False),
        ("Project page (with portal link)", f"/projects/{project.pk}/", True, False),
        ("Messages", "/messages/", True, False),
        ("Portal page (public, token)", f"/portal/{link.token}/", False, False),
    ]


def measure(size: str) -> dict:  # type: ignore[type-arg]
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from crm import freshness
    from crm.models import User

    user = User.objects.get(username=TARGET_USER[size])
    results = []
    for label, url, logged_in, changed in pages_for(user.username):
        http = HttpClient()
        if logged_in:
            http.force_login(user)

        def before(changed: bool = changed) -> None:
            if changed:
                freshness.owners_touch([user.pk])

        for _ in range(WARMUP):
            before()
            response = http.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{size} {url}: HTTP {response.status_code}")
        timings = []
        for _ in range(RUNS):
            before()
            started = time.perf_counter()
            http.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        before()
        with CaptureQueriesContext(connection) as queries:
            http.get(url)
        timings.sort()
        results.append(
            {
                "label": label,
                "median": statistics.median(timings),
                "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
                "queries": len(queries),
            }
        )
    return {
        "size": size,
        "counts": counts(),
        "mine": counts(user),
        "pages": results,
        "load": os.getloadavg()[0],
    }


def worker(size: str, reuse: bool) -> None:
    django_setup()
    from crm.models import User

    exists = User.objects.filter(username=TARGET_USER[size]).exists()
    if not (reuse and exists):
        started = time.monotonic()
        {"small": seed_small, "large": seed_large, "multi": seed_multi}[size]()
        print(f"  {size}: seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    # Fresh planner statistics, as autovacuum gathers soon after a bulk load (without them
    # PostgreSQL picks nested loops for the dashboard's milestone query: 170 ms instead of 1).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from django.test.utils import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        print(json.dumps(measure(size)))


# --------------------------------------------------------------------------- driver

FINDINGS = """\
Findings (profiled with cProfile, time.process_time and EXPLAIN ANALYZE on the large set):

* Query counts are flat on every page at every size (the same numbers are asserted with
  `django_assert_num_queries` in each app's tests).
* Right after a bulk load PostgreSQL has no statistics yet and plans the dashboard's "slipping
  milestones" query as a nested loop over 4,000 projects (170 ms of 180 ms); after `ANALYZE`
  (autovacuum does it within minutes in production) it takes 0.7 ms. The benchmark runs
  `ANALYZE` before measuring.
* Messages view: it sorted all of a freelancer's messages to show 25 (65 ms at 50,000); the
  index `message_owner_recent` (owner, -created_at, -id) makes it an index scan (1 ms). Its
  client filter was a `<select>` with all 2,000 clients (117 KB of HTML, most of its 68 ms); it
  is now the client picker (search as you type, `clients/widgets.py`): 22 KB, about 25 ms. The
  paginator still counts all 50,000 messages (about 12 ms), left as is: a freelancer with
  50,000 messages is decades of work.
* Dashboard: "going out today" scanned all scheduled messages of every freelancer (9 ms) and the
  money figures summed 10,000 unpaid invoices from the table (12 ms); per-freelancer partial
  indexes `message_owner_scheduled` and `invoice_owner_unpaid` bring them to under 1 ms and
  6 ms. Its cards no longer load message bodies and offer snapshots. Computing it costs about
  30 ms of CPU in the web process, about a third of it the 15 ORM queries' compilation; with
  unchanged data it now comes from the cache (3 queries, about 12 ms of CPU: unpickling and the
  template). See docs/dashboard.md#cache.
"""


def table(results: list[dict]) -> str:  # type: ignore[type-arg]
    sizes = [r["size"] for r in results]
    head = "| Page | " + " | ".join(f"{s} median / p95 ms" for s in sizes) + " | "
    head += " | ".join(f"{s} queries" for s in sizes) + " | flat |\n"
    head += "|---|" + "---:|" * (2 * len(sizes)) + ":---:|\n"
    rows = []
    for index, page in enumerate(results[0]["pages"]):
        cells = [r["pages"][index] for r in results]
        queries = [c["queries"] for c in cells]
        flat = "yes" if max(queries) - min(queries) <= 1 else "NO"
        rows.append(
            f"| {page['label']} | "
            + " | ".join(f"{c['median']:.1f} / {c['p95']:.1f}" for c in cells)
            + " | "
            + " | ".join(str(q) for q in queries)
            + f" | {flat} |"
        )
    return head + "\n".join(rows)


def main() -> int:
    # A data set that is already there is measured again unless --fresh asks to seed it anew
    # (do that after a change to the demo code); --reuse is the default and kept for clarity.
    reuse = "--fresh" not in sys.argv
    if "--worker" in sys.argv:
        worker(sys.argv[sys.argv.index("--worker") + 1], reuse)
        return 0
    only = [s for s in SIZES if s in sys.argv] or list(SIZES)
    results = []
    for size in only:
        url = size_url(size)
        database_ensure(url)
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
        env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, __file__, "--worker", size] + ([] if reuse else ["--fresh"]),
            cwd=ROOT,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr)
        if out.returncode:
            sys.exit(f"bench_pages {size} failed (exit {out.returncode})")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["seconds"] = time.monotonic() - started
        results.append(result)
        print(f"  {size}: measured in {result['seconds']:.0f} s", flush=True)
    data = "\n".join(
        f"* **{r['size']}** (`{urlsplit(size_url(r['size'])).path.lstrip('/')}`): "
        + ", ".join(f"{v:,} {k}" for k, v in r["counts"].items())
        + f" in the database; measured as `{TARGET_USER[r['size']]}`, who has "
        + ", ".join(f"{v:,} {k}" for k, v in r["mine"].items())
        + "; load average "
        f"{r['load']:.1f} at the end."
        for r in results
    )
    section = (
        "## Pages at three data sizes\n\n"
        f"{data}\n\n"
        f"django.test.Client in-process with `force_login` (DEBUG=false), {RUNS} requests per "
        f"page after {WARMUP} warm-ups; SQL queries counted with CaptureQueriesContext. The "
        "client page is the target freelancer's client with the most messages; the project and "
        "portal page belong to their first portal link. `flat` = the query count does not grow "
        "with the data (±1).\n\n" + table(results) + "\n\n" + FINDINGS
    )
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
