"""manage.py import_statement: scripted imports (cron), with a clear exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from banking.models import StatementImport
from projects.models import Invoice, Payment

from .conftest import DATA


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_statement", *args, stdout=out)
    return out.getvalue()


def test_it_imports_a_file_and_prints_what_was_booked_proposed_and_ignored(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    output = run(str(DATA / "camt053_sparkasse.xml"), "--user", "alice")

    assert output.splitlines()[0] == (
        "camt053_sparkasse.xml: 2 payments booked, 1 to confirm, 2 ignored."
    )
    assert "[Booked automatically] 2026-11-02 €1,190.00 Acme GmbH -> 2026-0042 €1,190.00" in (
        output
    )
    assert "[To confirm] 2026-11-04 €1,000.00 Initech Ltd -> 2026-0045 €1,000.00" in output
    assert "[Ignored] 2026-11-03 -€49.90 Adobe Systems Software Ireland Ltd" in output
    assert "Money going out: nothing to match." in output
    assert StatementImport.objects.get().source == StatementImport.Source.COMMAND


def test_it_finds_the_user_by_e_mail_and_speaks_their_language(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    alice.profile.language = "de"
    alice.profile.save()

    output = run(str(DATA / "mt940_volksbank.sta"), "--user", "ALICE@example.com")

    assert "2 Zahlungen gebucht" in output.splitlines()[0]


def test_it_books_nothing_the_second_time(alice: Any, invoices: dict[str, Invoice]) -> None:
    run(str(DATA / "camt053_sparkasse.xml"), "--user", "alice")
    output = run(str(DATA / "camt053_sparkasse.xml"), "--user", "alice")

    assert "0 payments booked, 0 to confirm, 0 ignored, 5 already imported before" in output
    assert Payment.objects.count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad_schema.xml", "--user", "alice"], "does not follow the camt.053.001.08 schema"),
        (["camt053_sparkasse.xml", "--user", "nobody"], "No freelancer"),
        (["missing.xml", "--user", "alice"], "Cannot read"),
    ],
)
def test_it_fails_with_a_message_and_saves_nothing(
    alice: Any, args: list[str], message: str
) -> None:
    args = [str(DATA / args[0]), *args[1:]]

    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not StatementImport.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_exits_non_zero_on_a_malformed_file_and_zero_on_success(
    alice: Any, tmp_path: Path
) -> None:
    from tests.harness import live_database_url

    env = {**os.environ, "DATABASE_URL": live_database_url(), "SECRET_KEY": "x" * 60}
    command = [sys.executable, "manage.py", "import_statement", "--user", "alice"]

    bad = subprocess.run(
        [*command, str(DATA / "bad_truncated.xml")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    good = subprocess.run(
        [*command, str(DATA / "camt053_sparkasse.xml")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert bad.returncode == 1
    assert "not complete, well-formed XML" in bad.stderr
    assert good.returncode == 0, good.stderr
    assert "0 payments booked, 0 to confirm, 5 ignored" in good.stdout
