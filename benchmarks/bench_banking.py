"""Benchmark: importing a bank statement of 5,000 bookings against 10,000 open invoices.

Standalone: ``DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_banking.py``.
Creates (or refreshes) the freelancer ``bench-banking`` with 1,000 clients, 10,000 open invoices
(ten per client) and known payer accounts for half of the clients, writes a camt.053.001.08
statement of 5,000 bookings (60 % name an invoice and pay it exactly, 10 % come from a known
account without a number, 10 % are partial payments, 10 % debits, 10 % unrelated credits), and
times its import through ``banking.services.statement_import`` (schema validation, matching,
3,500 payments booked in one batch through the payment service, 500 proposals), then the same
file again (everything already imported). Prints a markdown section and writes
benchmarks/results/banking.md.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from banking import services  # noqa: E402
from banking.formats import statement_parse  # noqa: E402
from banking.models import (  # noqa: E402
    Allocation,
    BankAccount,
    BankEntry,
    KnownAccount,
    StatementImport,
)
from banking.tests.statements import Entry, Tx, camt  # noqa: E402
from clients.models import Client  # noqa: E402
from crm.models import AuditEntry, Profile, User  # noqa: E402
from projects.models import Invoice, Payment, Project  # noqa: E402
from timeline.models import Activity  # noqa: E402

USERNAME = "bench-banking"
CLIENTS = 1_000
INVOICES = 10_000
BOOKINGS = 5_000
TARGET_S = 10.0
DAY = datetime.date(2026, 11, 2)


def iban(n: int) -> str:
    return f"DE{10 + n % 89:02d}{n:018d}"


def wipe(user: User) -> None:
    Allocation.objects.filter(entry__owner=user).delete()
    BankEntry.objects.filter(owner=user).delete()
    StatementImport.objects.filter(owner=user).delete()
    BankAccount.objects.filter(owner=user).delete()
    KnownAccount.objects.filter(owner=user).delete()
    Payment.objects.filter(invoice__owner=user).delete()
    Activity.objects.filter(owner=user).delete()
    AuditEntry.objects.filter(owner=user).delete()
    Invoice.objects.filter(owner=user).delete()
    Project.objects.filter(owner=user).delete()
    Client.objects.filter(owner=user).delete()


def amount_of(n: int) -> Decimal:
    """Return invoice n's amount: distinct among a client's ten invoices (n, n + 1,000, ...)."""
    return Decimal(100 + (n * 37) % 4_000 + 5_000 * (n // 1_000)) + Decimal("0.50")


def prepare() -> tuple[User, list[Invoice]]:
    """Create the freelancer, 1,000 clients, 10,000 open invoices, 500 known accounts."""
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"email": "bench-banking@example.com"}
    )
    Profile.objects.get_or_create(user=user, defaults={"language": "en"})
    wipe(user)
    with transaction.atomic():
        clients = Client.objects.bulk_create(
            [
                Client(owner=user, name=f"Kunde {n} GmbH", email=f"k{n}@bench.example")
                for n in range(CLIENTS)
            ]
        )
        projects = Project.objects.bulk_create(
            [Project(owner=user, client=client, title="Retainer") for client in clients]
        )
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(
                    owner=user,
                    project=projects[n % CLIENTS],
                    client=clients[n % CLIENTS],
                    number=f"{2025 + n // 5_000}-{n % 5_000 + 1:04d}",
                    status=Invoice.Status.OPEN,
                    issued_on=DAY - datetime.timedelta(days=30 + n % 60),
                    due_on=DAY - datetime.timedelta(days=16 + n % 60),
                    total_net=amount_of(n),
                    total_gross=amount_of(n),
                )
                for n in range(INVOICES)
            ],
            batch_size=2_000,
        )
        KnownAccount.objects.bulk_create(
            [
                KnownAccount(owner=user, client=clients[n], iban=iban(n), name=f"Kunde {n}")
                for n in range(CLIENTS // 2)
            ]
        )
    return user, invoices


def statement(invoices: list[Invoice]) -> bytes:
    """Return the camt.053 of 5,000 bookings, each open invoice named at most once."""
    entries = []
    for n in range(BOOKINGS):
        invoice = invoices[n]
        client = n % CLIENTS
        day = DAY + datetime.timedelta(days=n % 25)
        kind = n % 10
        if kind <= 5:  # names the invoice, pays it exactly
            tx = Tx(
                name=f"Kunde {client} GmbH",
                iban=iban(client + 5_000),
                remittance=[f"RE {invoice.number} Kd {client}"],
            )
            entries.append(Entry(invoice.total_gross, day, txs=[tx], reference=f"B{n:07d}"))
        elif kind == 6:  # from a known account, no number, exactly one of its invoices
            known = (n // 10) % 500
            tx = Tx(name=f"Kunde {known}", iban=iban(known), remittance=["Danke"])
            amount = invoices[known + 5_000].total_gross
            entries.append(Entry(amount, day, txs=[tx], reference=f"B{n:07d}"))
        elif kind == 7:  # a partial payment
            tx = Tx(
                name=f"Kunde {client} GmbH",
                iban=iban(client + 5_000),
                remittance=[f"Teilzahlung Rechnung {invoice.number}"],
            )
            entries.append(Entry(Decimal(50), day, txs=[tx], reference=f"B{n:07d}"))
        elif kind == 8:  # money going out
            tx = Tx(name="Hosting AG", iban=iban(9_999), remittance=[f"Server {n}"])
            entries.append(
                Entry(Decimal("19.99"), day, credit=False, txs=[tx], reference=f"B{n:07d}")
            )
        else:  # a credit for no invoice
            tx = Tx(name="Privat", iban=iban(8_888), remittance=[f"Erstattung {n}"])
            entries.append(Entry(Decimal("7.77"), day, txs=[tx], reference=f"B{n:07d}"))
    return camt(entries, statement_id="BENCH-2026-11")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class ServiceClock:
    """Time (wall and CPU) and queries spent inside the payment service, wrapped around it."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.wall = self.cpu = 0.0
        self.calls = self.queries = self.payments = 0
        self.real = services.invoice_payments_record

    def __call__(self, **kwargs: Any) -> Any:
        started, cpu_started = time.perf_counter(), time.process_time()
        queries = self.counter.count
        try:
            result = self.real(**kwargs)
            self.payments += sum(1 for payment in result.payments if payment is not None)
            return result
        finally:
            self.wall += time.perf_counter() - started
            self.cpu += time.process_time() - cpu_started
            self.queries += self.counter.count - queries
            self.calls += 1


def timed_import(
    user: User, data: bytes
) -> tuple[float, float, int, StatementImport, ServiceClock]:
    """Return wall time, this process's CPU time, queries, the import and the service's share."""
    counter = Counter()
    clock = ServiceClock(counter)
    services.invoice_payments_record = clock
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(counter):
            result = services.statement_import(user=user, data=data, file_name="bench.xml")
    finally:
        services.invoice_payments_record = clock.real
    return (
        time.perf_counter() - started,
        time.process_time() - cpu_started,
        counter.count,
        result,
        clock,
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://...")
    started = time.perf_counter()
    user, invoices = prepare()
    data = statement(invoices)
    setup_s = time.perf_counter() - started
    parse_started = time.perf_counter()
    parsed = statement_parse(data)
    parse_s = time.perf_counter() - parse_started
    assert len(parsed.entries) == BOOKINGS
    load_before = os.getloadavg()[0]
    first_s, first_cpu, first_queries, first, clock = timed_import(user, data)
    again_s, _again_cpu, again_queries, again, _clock = timed_import(user, data)
    load_after = os.getloadavg()[0]
    verdict = "ok" if first_s < TARGET_S else "SLOW"
    lines = [
        "## Bank statement import",
        "",
        f"Data: {CLIENTS:,} clients, {INVOICES:,} open invoices, {CLIENTS // 2:,} known payer "
        f"accounts; a camt.053.001.08 file of {BOOKINGS:,} bookings ({len(data) / 1e6:.1f} MB), "
        f"set up in {setup_s:.0f} s. PostgreSQL and Redis on this machine, {os.cpu_count()} "
        "CPU cores. `benchmarks/bench_banking.py`.",
        "",
        "| Step | time | queries | result | target |",
        "|---|---:|---:|---|---:|",
        f"| Read and validate the file against the ISO schema (lxml) | {parse_s:.2f} s | 0 | "
        f"{len(parsed.entries):,} bookings | |",
        f"| First import: read, match, book, propose (one transaction) | {first_s:.2f} s "
        f"(CPU of this process {first_cpu:.2f} s) | {first_queries:,} | "
        f"{first.booked:,} booked, {first.proposed:,} proposed, {first.ignored:,} ignored | "
        f"< {TARGET_S:.0f} s {verdict} |",
        f"| of which in `invoice_payments_record` ({clock.payments:,} payments, "
        f"{clock.calls} call) | {clock.wall:.2f} s (CPU {clock.cpu:.2f} s) | "
        f"{clock.queries:,} | "
        f"{1000 * clock.wall / max(clock.payments, 1):.2f} ms per payment | |",
        f"| the rest: read, match, store {BOOKINGS:,} bookings and their allocations | "
        f"{first_s - clock.wall:.2f} s (CPU {first_cpu - clock.cpu:.2f} s) | "
        f"{first_queries - clock.queries:,} | | |",
        f"| Same file again | {again_s:.2f} s | {again_queries:,} | "
        f"{again.duplicates:,} already imported, {again.booked} booked | |",
        "",
        f"Load average (1 min) on the 2 shared cores: {load_before:.1f} before the imports, "
        f"{load_after:.1f} after.",
        "",
        f"The {clock.payments:,} automatic bookings are one batch of "
        "`projects.services.payments.invoice_payments_record`, the service behind a payment "
        "entered by hand too (a batch of one): the invoices locked in one query, payments, "
        "invoices, audit and timeline entries written in bulk (one statement per 1,000 rows), one "
        f"event and one reminder clean-up for all, {clock.queries} queries in all. The whole "
        f"import cost {first_queries:,} queries, {again_queries} for a file imported before; "
        "the count is the same for 5 bookings or 50 and does not depend on how many payments "
        "an invoice has (`banking/tests/test_queries.py`).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "banking.md").write_text(report, encoding="utf-8")
    wipe(user)


if __name__ == "__main__":
    main()
