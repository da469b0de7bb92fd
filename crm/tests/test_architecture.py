"""The app order (docs/index.md) holds, and the contract that keeps it really fails on a breach."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SKIP = shutil.ignore_patterns(".venv", "node_modules", "staticfiles", "media", "__pycache__")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the apps and the contract, to break on purpose."""
    copy = tmp_path / "tree"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    for path in ROOT.iterdir():
        if path.is_dir() and (path / "apps.py").exists():
            shutil.copytree(path, copy / path.name, ignore=SKIP)
    return copy


def test_it_keeps_the_app_order() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps import only downwards KEPT" in result.stdout


def test_it_fails_on_an_upward_import_at_module_level(tree: Path) -> None:
    (tree / "crm" / "breach.py").write_text("from clients.models import Client  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode == 1
    assert "crm is not allowed to import clients" in result.stdout


def test_it_fails_on_an_upward_import_inside_a_function(tree: Path) -> None:
    (tree / "projects" / "breach.py").write_text(
        "def later():\n    from communications import services\n\n    return services\n"
    )

    result = lint_imports(tree)

    assert result.returncode == 1
    assert "projects is not allowed to import communications" in result.stdout


def test_it_fails_when_independent_siblings_import_each_other(tree: Path) -> None:
    (tree / "dashboard" / "breach.py").write_text("from privacy import views  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode == 1
    assert "dashboard is not allowed to import privacy" in result.stdout
