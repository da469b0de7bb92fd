"""Accessibility and HTML checks for every page a Playwright browser test visits.

Wired in by the ``browser`` fixture of conftest.py, so every browser test, in any app, is
covered without doing anything:

* **axe-core** (tests/tools/axe.min.js, vendored from npm) checks WCAG 2.1 A and AA. The test's
  own page keeps the app's strict CSP; an init script there takes a snapshot of the DOM after
  each page load and after each htmx swap has settled (``htmx:afterSettle``). When the test
  ends, every distinct snapshot is shown again in a scanner context created with
  ``bypass_csp=True`` (tests only: axe is injected as a script), at the same URL and viewport,
  with the page's own scripts blocked (the snapshot already holds what they built, such as the
  Tom Select comboboxes). There every closed ``<details>`` is opened, so the forms inside are
  scanned too, and axe runs; a duplicate-id check runs with it. Scanning a copy, not the live
  page, means the scan never races the test (a test that clicks a ``<summary>`` still finds
  it closed).
* **The Nu HTML Checker** (vnu.jar from the npm package vnu-jar, fetched by ``make tools`` into
  .tools/, git-ignored) checks the HTML the server sent: every full page, and every htmx
  partial wrapped in a minimal document. The live server's WSGI app is wrapped to collect
  them, so what is checked is exactly what the browser got. vnu runs once per test session as
  a local HTTP service (``java ... nu.validator.servlet.Main``).

Zero violations and zero errors is the bar: the test fails at teardown with a report naming
the URL, the rule or message and the offending markup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "tests" / "tools" / "axe.min.js"
VNU_JAR = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in every frame of the test's pages before their own scripts (not subject to the CSP).
SNAPSHOT_JS = """
(() => {
  if (window.top !== window || !window.__a11ySnapshot) { return; }
  let pending = false;
  const send = (reason) => {
    if (pending) { return; }
    pending = true;
    setTimeout(() => {
      pending = false;
      try {
        const html = "<!DOCTYPE html>\\n" + document.documentElement.outerHTML;
        window.__a11ySnapshot(location.href, html, reason, window.innerWidth, window.innerHeight);
      } catch (error) { /* the page is going away */ }
    }, 0);
  };
  window.addEventListener("load", () => send("load"));
  document.addEventListener("htmx:afterSettle", () => send("htmx"));
})();
"""

# How many of the page's stylesheets did not load.
STYLES_MISSING_JS = """
() => [...document.querySelectorAll('link[rel="stylesheet"]')].filter((l) => !l.sheet).length
"""

# Runs in the scanner page: open every <details>, then axe and a duplicate-id check.
SCAN_JS = """
async (tags) => {
  document.querySelectorAll("details:not([open])").forEach((d) => { d.open = true; });
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  const violations = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 300),
      summary: (n.failureSummary || "").slice(0, 300) })),
  }));
  const seen = new Map();
  document.querySelectorAll("[id]").forEach((el) => {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  });
  const dups = [...seen.entries()].filter(([, n]) => n > 1).map(([id, n]) => `#${id} (${n}x)`);
  if (dups.length) {
    violations.push({ id: "duplicate-id", impact: "serious", help: "ids must be unique",
      nodes: dups.map((d) => ({ target: d, html: "", summary: "" })) });
  }
  return violations;
}
"""


@dataclass
class Snapshot:
    url: str
    html: str
    reason: str
    width: int
    height: int


@dataclass
class Served:
    path: str
    html: str
    htmx: bool


@dataclass
class Recorder:
    """What one test's browser saw (snapshots) and what the server sent (HTML responses)."""

    snapshots: list[Snapshot] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self, source: Any, url: str, html: str, reason: str, w: int, h: int) -> None:
        with self.lock:
            self.snapshots.append(Snapshot(url, html, reason, int(w or 1280), int(h or 720)))

    def serve(self, item: Served) -> None:
        with self.lock:
            self.served.append(item)


# --- Collecting what the server sends -------------------------------------------------------

_current: Recorder | None = None
_current_lock = threading.Lock()


def recording(recorder: Recorder | None) -> None:
    """Send the HTML the live server answers from now on to ``recorder`` (None: to nobody)."""
    global _current
    with _current_lock:
        _current = recorder


def wrap_live_server(live_server: Any) -> None:
    """Wrap the live server's WSGI app once, so its HTML responses reach the current recorder."""
    httpd = getattr(live_server.thread, "httpd", None)
    if httpd is None or getattr(httpd, "_a11y_wrapped", False):
        return
    app = httpd.get_app()

    def capturing_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        recorder = _current
        if recorder is None or environ.get("PATH_INFO", "").startswith(("/static/", "/media/")):
            return app(environ, start_response)
        state: dict[str, Any] = {}

        def capture_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
            state["html"] = status.startswith("200") and content_type.startswith("text/html")
            return start_response(status, headers, *args)

        body = app(environ, capture_start)
        if not state.get("html"):
            return body
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
        path = environ.get("PATH_INFO", "") + (
            "?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""
        )
        recorder.serve(
            Served(path, b"".join(chunks).decode("utf-8", "replace"), "HTTP_HX_REQUEST" in environ)
        )
        return chunks

    httpd.set_app(capturing_app)
    httpd._a11y_wrapped = True


# --- axe ------------------------------------------------------------------------------------


def instrument_context(context: Any, recorder: Recorder) -> None:
    """Make every page of ``context`` report DOM snapshots to ``recorder``."""
    context.expose_binding("__a11ySnapshot", recorder.snapshot)
    context.add_init_script(SNAPSHOT_JS)


def _distinct(snapshots: list[Snapshot]) -> list[Snapshot]:
    seen: set[str] = set()
    result = []
    for snapshot in snapshots:
        # The CSRF token differs between otherwise identical pages.
        key = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", snapshot.html)
        key = re.sub(r'"X-CSRFToken": "[^"]*"', "", key)
        digest = hashlib.sha1(f"{snapshot.url}\n{key}".encode()).hexdigest()  # noqa: S324
        if digest not in seen:
            seen.add(digest)
            result.append(snapshot)
    return result


def axe_scan(new_context: Any, snapshots: list[Snapshot]) -> list[str]:
    """Scan each distinct snapshot with axe in a bypass_csp context; return the problems.

    ``new_context`` is the browser's own ``new_context`` (not the instrumenting one).
    """
    problems: list[str] = []
    snapshots = _distinct(snapshots)
    if not snapshots:
        return problems
    axe = AXE_JS.read_text(encoding="utf-8")
    context = new_context(bypass_csp=True)
    try:
        page = context.new_page()
        current: dict[str, Snapshot] = {}

        def route(route: Any) -> None:
            request = route.request
            snapshot = current.get("snapshot")
            if (
                request.resource_type == "document"
                and snapshot
                and request.url == snapshot.url.partition("#")[0]
            ):
                html = snapshot.html
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif request.resource_type in {"script", "xhr", "fetch", "document", "websocket"}:
                route.abort()  # the snapshot holds what the scripts built; nothing may change it
            else:
                route.continue_()

        page.route("**/*", route)
        for snapshot in snapshots:
            current["snapshot"] = snapshot
            page.set_viewport_size({"width": snapshot.width, "height": snapshot.height})
            for _attempt in range(3):
                page.goto("about:blank")  # a new document even when only the #fragment differs
                page.goto(snapshot.url.partition("#")[0], wait_until="load")
                # A stylesheet the busy live server did not deliver would make axe judge
                # colours against the wrong background: load the snapshot again.
                if page.evaluate(STYLES_MISSING_JS) == 0:
                    break
            page.add_script_tag(content=axe)
            violations = page.evaluate(SCAN_JS, WCAG_TAGS)
            for violation in violations:
                nodes = "\n".join(
                    f"      {n['target']}: {n['html']}\n        {n['summary']}".rstrip()
                    for n in violation["nodes"]
                )
                problems.append(
                    f"axe {violation['id']} ({violation['impact']}) on {snapshot.url} "
                    f"[{snapshot.reason}]: {violation['help']}\n{nodes}"
                )
    finally:
        context.close()
    return problems


# --- vnu ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Vnu:
    """The Nu HTML Checker as a local HTTP service, started on first use, one per session."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @staticmethod
    def available() -> bool:
        return VNU_JAR.exists() and bool(_java())

    def start(self) -> None:
        if self.process is not None:
            return
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                _java(),
                "-Xss1m",
                "-Xmx384m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("vnu.jar exited at start-up")
            with contextlib.suppress(OSError):
                self._post("<!DOCTYPE html><html lang=en><title>x</title></html>")
                return
            time.sleep(0.3)
        raise RuntimeError("vnu.jar did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()
            self.process = None

    def _post(self, html: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/?out=json&level=error",
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))["messages"]

    def check(self, served: list[Served]) -> list[str]:
        """Return the errors vnu finds in each distinct HTML response."""
        self.start()
        problems = []
        seen: set[str] = set()
        for item in served:
            html = _as_document(item)
            digest = hashlib.sha1(html.encode()).hexdigest()  # noqa: S324
            if digest in seen:
                continue
            seen.add(digest)
            for message in self._post(html):
                if message.get("type") not in {"error", "non-document-error"}:
                    continue
                extract = " ".join(message.get("extract", "").split())[:200]
                kind = "htmx partial" if item.htmx else "page"
                problems.append(
                    f"vnu on {kind} {item.path} line {message.get('lastLine', '?')}: "
                    f"{message.get('message')}\n      {extract}"
                )
        return problems


def _java() -> str:
    for candidate in (os.environ.get("JAVA", ""), "/usr/bin/java"):
        if candidate and os.path.exists(candidate):
            return candidate
    return ""


FRAGMENT_DOCUMENT = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>htmx partial</title>'
    "</head><body>{body}</body></html>"
)


def _as_document(item: Served) -> str:
    """Return a full document to validate: a page as sent, a partial inside a minimal one."""
    if re.match(r"\s*<!doctype", item.html, re.IGNORECASE):
        return item.html
    body = item.html
    if re.match(r"\s*<tr[\s>]", body):
        body = f"<table><tbody>{body}</tbody></table>"
    elif re.match(r"\s*<li[\s>]", body):
        body = f"<ul>{body}</ul>"
    return FRAGMENT_DOCUMENT.format(body=body)


@contextlib.contextmanager
def vnu_service() -> Iterator[Vnu]:
    vnu = Vnu()
    try:
        yield vnu
    finally:
        vnu.stop()
