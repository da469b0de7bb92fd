"""The CI rule in conftest.py: under CI=true a skipped service-backed test fails the run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pass

def test_plain():
    pass
"""


def run_probe(
    tmp_path: Path, *, ci: bool, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CI", "PYTEST_ADDOPTS"}
    }
    env.update(
        DEBUG="true",
        SECRET_KEY="ci-rule-probe",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "conftest",
            "-c",
            "pytest.ini",
            "--rootdir",
            str(ROOT),
            str(tmp_path / "test_probe.py"),
            "-q",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_names_skipped_service_tests_in_one_line_locally(tmp_path):
    result = run_probe(tmp_path, ci=False)

    assert result.returncode == 0, result.stdout
    assert "SKIPPED SERVICE TESTS (1): ::test_needs_postgres" in result.stdout


def test_it_fails_the_run_under_ci(tmp_path):
    result = run_probe(tmp_path, ci=True)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "CI FAILURE" in result.stdout


def test_it_does_not_count_an_empty_run_as_green(tmp_path):
    result = run_probe(tmp_path, ci=True, extra=("-k", "no_such_test"))

    assert result.returncode == pytest.ExitCode.NO_TESTS_COLLECTED


def load_services_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("services_script", ROOT / "scripts/services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def services_script_output(monkeypatch, capsys, *, services_answer: bool) -> str:
    """Run scripts/services.py with PostgreSQL and Redis answering or not; return its output."""
    script = load_services_script()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(script, "port_open", lambda host, port: services_answer)

    with pytest.raises(SystemExit):
        script.main()

    return capsys.readouterr().out


def test_it_points_make_test_at_local_services_when_they_answer(monkeypatch, capsys):
    out = services_script_output(monkeypatch, capsys, services_answer=True)

    assert "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm" in out
    assert "export REDIS_URL=redis://127.0.0.1:6379/15" in out


def test_it_falls_back_to_sqlite_and_says_so(monkeypatch, capsys):
    out = services_script_output(monkeypatch, capsys, services_answer=False)

    assert "export" not in out
    assert "using SQLite" in out
    assert "Redis tests will be skipped" in out


def test_it_keeps_explicit_service_urls(monkeypatch, capsys):
    script = load_services_script()
    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere/db")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere/0")

    with pytest.raises(SystemExit):
        script.main()

    assert capsys.readouterr().out == ""
