"""Run every benchmark in this folder and collect their tables into docs/performance.md.

Each ``bench_*.py`` is a standalone script that measures one area against the database named by
DATABASE_URL, prints a markdown section and writes it to benchmarks/results/<name>.md. This runner
calls them one after the other (each in a fresh process, so memory figures are honest) and writes
docs/performance.md with the machine and the date.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    database = os.environ.get("DATABASE_URL", "sqlite").split("://", 1)[0]
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){memory}, "
        f"Python {platform.python_version()}, database: {database}"
    )


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    collect_only = "--collect" in sys.argv
    only = {arg for arg in sys.argv[1:] if not arg.startswith("--")}
    scripts = sorted(
        path
        for path in (ROOT / "benchmarks").glob("bench_*.py")
        if not only or path.stem.removeprefix("bench_") in only
    )
    failures = 0
    sections = []
    for script in scripts:
        if collect_only:
            result = subprocess.CompletedProcess([], 0)
        else:
            print(f"== {script.name}", flush=True)
            result = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)
        if result.returncode != 0:
            failures += 1
            print(f"!! {script.name} failed with exit code {result.returncode}", flush=True)
        name = script.stem.removeprefix("bench_")
        section = RESULTS / f"{name}.md"
        if section.exists():
            sections.append(section.read_text().strip())
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    header = (
        "# Performance\n\n"
        f"Measured on {today} on this machine: {machine()}.\n\n"
        "Reproduce with `make bench` (all), or `.venv/bin/python benchmarks/run.py NAME` "
        "(one of: " + ", ".join(p.stem.removeprefix("bench_") for p in scripts) + ").\n"
        "Server time is measured in-process through Django's test client (middleware, view, "
        "queries and template rendering; no network), as the median and 95th percentile of "
        "repeated requests after a warm-up. `benchmarks/run.py --collect` reassembles this "
        "file from benchmarks/results/ without measuring again.\n"
    )
    if not only:
        (ROOT / "docs" / "performance.md").write_text(header + "\n" + "\n\n".join(sections) + "\n")
        print(f"Wrote docs/performance.md ({len(sections)} sections)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
