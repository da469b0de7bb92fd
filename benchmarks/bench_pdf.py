"""Benchmark: rendering a two-page offer and a Factur-X e-invoice with WeasyPrint.

Standalone: ``DATABASE_URL=... .venv/bin/python benchmarks/bench_pdf.py``. Creates (or
refreshes) the freelancer ``bench-pdf`` with one client, a project with a long scope and an offer
whose PDF runs to two pages, and an issued invoice. Times ``offer_pdf_render`` (a sent offer,
rendered from its snapshot) and ``invoice_pdf_render`` (PDF/A-3 with the CII XML embedded and
XSD-checked), then the download of both as the app serves them once frozen (the stored PDF,
through the Django test client: server time of the whole request, middleware included): 3
warm-ups, then median and p95 of 20. Memory: the process's peak RSS (getrusage) after all
renders, and the peak Python allocation of one render (tracemalloc). Prints a markdown table and
writes benchmarks/results/pdf.md.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

import pypdf  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from clients.models import Client  # noqa: E402
from crm.models import Profile, User  # noqa: E402
from projects import demo, documents  # noqa: E402
from projects.models import (  # noqa: E402
    Invoice,
    InvoiceLine,
    Milestone,
    Offer,
    OfferLine,
    Project,
    ScopeItem,
)
from projects.services.invoices import invoice_create, invoice_issue  # noqa: E402
from projects.services.offers import offer_create, offer_send  # noqa: E402

RUNS = 20
TARGET_MS = 300
TARGET_MB = 150
TARGET_FROZEN_MS = 20
USERNAME = "bench-pdf"


def prepare() -> tuple[Offer, Invoice]:
    """Create a sent two-page offer and an issued invoice for the benchmark freelancer."""
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "bench-pdf@example.com"}
        )
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": "Mara Lindner",
                "business_name": "Lindner Webdesign & Text",
                "street": "Oranienstraße 12",
                "postal_code": "10999",
                "city": "Berlin",
                "tax_number": "27/123/45678",
                "vat_id": "DE299999999",
                "iban": "DE89370400440532013000",
                "bic": "COBADEFFXXX",
            },
        )
        demo.wipe(user)
        Client.objects.filter(owner=user).delete()
        client = Client.objects.create(
            owner=user,
            kind="person",
            name="Sabine Weber",
            salutation="Frau Dr. Weber",
            street="Lindenallee 4",
            postal_code="80331",
            city="München",
            country="DE",
        )
        project = Project.objects.create(
            owner=user,
            client=client,
            title="Website-Relaunch für die Kanzlei Weber",
            description="Neuer Auftritt mit klarer Struktur, barrierearm und schnell.",
            fixed_price=Decimal(7500),
            revisions_agreed=3,
        )
        ScopeItem.objects.bulk_create(
            ScopeItem(
                project=project,
                title=f"Leistung {n}: Seite „Größe & Maß“",
                description="Gestaltung, Umsetzung und Einpflege der Inhalte (ä ö ü ß €).",
                acceptance_criteria="Freigabe per E-Mail",
                position=n,
                is_in_scope=n < 6,
            )
            for n in range(8)
        )
        Milestone.objects.bulk_create(
            Milestone(project=project, title=f"Meilenstein {n}", due_on=f"2026-12-{n + 1:02d}")
            for n in range(4)
        )
        offer = offer_create(project=project, actor=user)
        OfferLine.objects.bulk_create(
            OfferLine(
                offer=offer,
                position=n + 2,
                description=f"Position {n}: Konzeption und Umsetzung",
                quantity=Decimal(4),
                unit="Std.",
                unit_price=Decimal(95),
            )
            for n in range(6)
        )
        offer = offer_send(offer=offer, actor=user)
        invoice = invoice_create(project=project, actor=user)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=n + 2,
                description=f"Position {n}: Umsetzung",
                quantity=Decimal(3),
                unit="Std.",
                unit_price=Decimal(95),
            )
            for n in range(8)
        )
        invoice = invoice_issue(invoice=invoice, actor=user)
    return (
        Offer.objects.select_related("project__client", "owner").get(pk=offer.pk),
        Invoice.objects.select_related("project", "client", "owner").get(pk=invoice.pk),
    )


def measure(render: Callable[[], bytes]) -> dict[str, float]:
    """Return median/p95 in ms over RUNS warm renders, page count and one render's peak KiB."""
    for _ in range(3):
        pdf = render()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render()
        timings.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    render()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages),
        "alloc_mib": peak / 1024 / 1024,
    }


def _get(http: HttpClient, url: str) -> bytes:
    response = http.get(url, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return response.content


def main() -> int:
    call_command("migrate", verbosity=0, interactive=False)
    setup_test_environment()  # the test client's host name; e-mail stays in memory
    offer, invoice = prepare()
    offer_stats = measure(lambda: documents.offer_pdf_render(offer))
    invoice_stats = measure(lambda: documents.invoice_pdf_render(invoice))
    http = HttpClient()
    http.force_login(offer.owner)
    frozen_offer = measure(lambda: _get(http, reverse("projects:offer_pdf", args=[offer.pk])))
    frozen_invoice = measure(lambda: _get(http, reverse("projects:invoice_pdf", args=[invoice.pk])))
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = (
        offer_stats["median"] <= TARGET_MS
        and offer_stats["pages"] == 2
        and peak_rss_mib < TARGET_MB
        and max(frozen_offer["median"], frozen_invoice["median"]) <= TARGET_FROZEN_MS
    )
    lines = [
        "## PDF rendering (WeasyPrint 70)",
        "",
        f"Warm renders, {RUNS} runs each after 3 warm-ups; peak RSS of the whole benchmark "
        "process (Python, Django, WeasyPrint, fonts, all renders).",
        "",
        "| Document | Pages | Median ms | p95 ms | Peak Python alloc / render | Target |",
        "|---|---|---|---|---|---|",
        f"| Offer (sent, from snapshot) | {offer_stats['pages']} | {offer_stats['median']:.0f} "
        f"| {offer_stats['p95']:.0f} | {offer_stats['alloc_mib']:.1f} MiB "
        f"| ≤ {TARGET_MS} ms |",
        f"| E-invoice (Factur-X EN 16931, PDF/A-3) | {invoice_stats['pages']} "
        f"| {invoice_stats['median']:.0f} | {invoice_stats['p95']:.0f} "
        f"| {invoice_stats['alloc_mib']:.1f} MiB | – |",
        f"| Offer, frozen: download of the stored PDF (view) | {frozen_offer['pages']} "
        f"| {frozen_offer['median']:.1f} | {frozen_offer['p95']:.1f} "
        f"| {frozen_offer['alloc_mib']:.1f} MiB | ≤ {TARGET_FROZEN_MS} ms |",
        f"| Invoice, frozen: download of the stored PDF (view) | {frozen_invoice['pages']} "
        f"| {frozen_invoice['median']:.1f} | {frozen_invoice['p95']:.1f} "
        f"| {frozen_invoice['alloc_mib']:.1f} MiB | ≤ {TARGET_FROZEN_MS} ms |",
        "",
        f"Peak process memory (RSS): **{peak_rss_mib:.0f} MiB** (target < {TARGET_MB} MB).",
        "",
        f"Result: {'PASS' if ok else 'FAIL'} (offer median ≤ {TARGET_MS} ms on two pages, "
        f"frozen downloads ≤ {TARGET_FROZEN_MS} ms, peak RSS < {TARGET_MB} MB). "
        f"Load average at the end: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} shared cores. With DEBUG off the documents' stylesheet and fonts "
        "come from STATIC_ROOT (collectstatic), as in production.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "pdf.md").write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
