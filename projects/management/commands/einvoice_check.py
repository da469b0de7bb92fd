"""Check the e-invoices of issued invoices against the official rules.

    manage.py einvoice_check [--user alice] [--xrechnung]

Builds each issued invoice's XML from its frozen snapshot (as a download does) and runs the
EN 16931 checks (``projects.einvoice.validation``), with ``--xrechnung`` also the XRechnung
rules for invoices whose client has a Leitweg-ID. Prints one line per invoice with findings and
exits with status 1 when any invoice has a failed fatal rule.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...documents import invoice_data
from ...einvoice import exports, invoice_xml
from ...einvoice.validation import en16931_report, xrechnung_report
from ...models import Invoice


class Command(BaseCommand):
    help = "Check issued invoices' e-invoices against EN 16931 (and XRechnung)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", help="only this freelancer's invoices (username)")
        parser.add_argument(
            "--xrechnung", action="store_true", help="also check the XRechnung exports"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        invoices = (
            Invoice.objects.exclude(status=Invoice.Status.DRAFT)
            .select_related("owner", "client")
            .order_by("owner_id", "issued_on", "pk")
        )
        if options["user"]:
            invoices = invoices.filter(owner__username=options["user"])
        checked = failed = 0
        for invoice in invoices.iterator(chunk_size=200):
            data = invoice_data(invoice)
            reports = [("EN 16931", en16931_report(invoice_xml(data)))]
            if options["xrechnung"] and exports.xrechnung_available(invoice):
                xml = exports.xrechnung_for(invoice, data)
                reports.append(("XRechnung", xrechnung_report(xml)))
            checked += 1
            for name, report in reports:
                for finding in [*report.errors, *report.warnings]:
                    kind = "error" if finding in report.errors else "warning"
                    self.stdout.write(
                        f"{invoice.owner.get_username()} {invoice.number} {name} {kind}: {finding}"
                    )
            failed += any(report.errors for _name, report in reports)
        self.stdout.write(f"{checked} invoices checked, {failed} with errors.")
        if failed:
            raise CommandError(f"{failed} invoice(s) fail the e-invoice rules.")
