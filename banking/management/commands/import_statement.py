"""Import a bank statement file for a freelancer, e.g. from cron on what banking software saves.

    manage.py import_statement ~/Bank/2026-11-06.xml --user mara@example.com

Prints what was booked, proposed and ignored, in the freelancer's language. Exit status 0 when
the file was read (also when every booking had been imported before), 1 when it could not be
read (nothing was saved) or the user is unknown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import translation

from banking import selectors, services
from banking.models import StatementImport
from banking.reasons import import_summary
from crm.models import User
from crm.templatetags.crm_format import format_money


class Command(BaseCommand):
    help = "Import a CAMT or MT940 bank statement for a freelancer and book what it pays."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the statement file (CAMT XML or MT940)")
        parser.add_argument("--user", required=True, help="username or e-mail of the freelancer")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"].strip()
        user = User.objects.filter(Q(username=name) | Q(email__iexact=name)).first()
        if user is None:
            raise CommandError(f"No freelancer with the username or e-mail '{name}'.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        with translation.override(user.profile_or_default.language):
            try:
                statement = services.statement_import(
                    user=user,
                    data=data,
                    file_name=path.name,
                    source=StatementImport.Source.COMMAND,
                )
            except services.StatementError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(import_summary(statement))
            for entry in selectors.statement_entries(statement):
                invoices = ", ".join(
                    f"{allocation.invoice.number} {format_money(allocation.amount, entry.currency)}"
                    for allocation in entry.allocations.all()
                )
                sign = "" if entry.is_credit else "-"
                amount = format_money(entry.amount, entry.currency)
                line = f"  [{entry.get_state_display()}] {entry.booked_on} {sign}{amount} "
                line += entry.counterparty_name or "-"
                if invoices:
                    line += f" -> {invoices}"
                self.stdout.write(line)
                if entry.reason_text:
                    self.stdout.write(f"      {entry.reason_text}")
