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


@pytest.mark.parametrize(
    ("path", "code", "breach"),
    [
        pytest.param(
            "crm/breach.py",
            "from clients.models import Client  # noqa\n",
            "crm is not allowed to import clients",
            id="upward at module level",
        ),
        pytest.param(
            "projects/breach.py",
            "def later():\n    from communications import services\n\n    return services\n",
            "projects is not allowed to import communications",
            id="upward inside a function",
        ),
        pytest.param(
            "dashboard/breach.py",
            "from privacy import views  # noqa\n",
            "dashboard is not allowed to import privacy",
            id="between independent siblings",
        ),
    ],
)
def test_it_fails_on_a_breach_of_the_order(tree: Path, path: str, code: str, breach: str) -> None:
    (tree / path).write_text(code)

    result = lint_imports(tree)

    assert result.returncode == 1
    assert breach in result.stdout
