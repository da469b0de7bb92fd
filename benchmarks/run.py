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
from urllib.parse import urlsplit, urlunsplit

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
    if os.environ.get("REDIS_URL"):
        # The benchmarks cache in Redis database 14: the test suite empties database 15.
        parts = urlsplit(os.environ["REDIS_URL"])
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path="/14"))
    collect_only = "--collect" in sys.argv
    only = {arg for arg in sys.argv[1:] if not arg.startswith("--")}
    scripts = sorted(
        path
        for path in (ROOT / "benchmarks").glob("bench_*.py")
        if not only or path.stem.removeprefix("bench_") in only
    )
    failures = 0
    sections = []
    load_start = os.getloadavg()
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
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_end = os.getloadavg()
    collected = (
        "Sections reassembled with `--collect` from benchmarks/results/; most were measured "
        "in one full run the same day, some rerun singly afterwards (PDF, load, pages; each "
        "states its own load average). Load average (1/5/15 min) at collection: "
        f"{load_end[0]:.1f} / {load_end[1]:.1f} / {load_end[2]:.1f} on {os.cpu_count()} cores "
        "shared with other engineers' builds and tests, so times are upper bounds.\n\n"
    )
    load = (
        f"Load average (1/5/15 min) when the run started: {load_start[0]:.1f} / "
        f"{load_start[1]:.1f} / {load_start[2]:.1f}, when it ended: {load_end[0]:.1f} / "
        f"{load_end[1]:.1f} / {load_end[2]:.1f}; the {os.cpu_count()} cores are shared with "
        "other engineers' builds and tests, so times are upper bounds.\n\n"
    )
    header = (
        "# Performance\n\n"
        f"Measured on {today} on this machine: {machine()}.\n\n"
        f"{collected if collect_only else load}"
        "Reproduce with `make bench` (all; `make load` for the load test alone), or "
        "`.venv/bin/python benchmarks/run.py NAME` "
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
