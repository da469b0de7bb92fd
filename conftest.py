"""Shared test fixtures: the personas, real services, and the CI rule on skipped tests.

Personas: ``alice`` owns things; ``bob`` is another freelancer who must see nothing of alice's.
Service-backed tests carry a marker (postgres, redis, browser); without the service they are
skipped locally and named in one line, and under ``CI=true`` a skip of such a test fails the run.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

SERVICE_MARKERS = ("postgres", "redis", "browser", "dovecot")
_skipped_service_tests: list[str] = []


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Return whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "PostgreSQL not configured (DATABASE_URL is not postgres)"
    if marker == "redis" and not settings.REDIS_URL:
        return "Redis not configured (REDIS_URL unset)"
    if marker == "browser" and chromium_path() is None:
        return "chromium not installed (/usr/bin/chromium)"
    if marker == "dovecot" and not _dovecot_installed():
        return "dovecot not installed (apt-get install dovecot-imapd)"
    return None


def _dovecot_installed() -> bool:
    from tests.harness import dovecot_path

    return dovecot_path() is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker in SERVICE_MARKERS:
            if item.get_closest_marker(marker):
                reason = _service_missing(marker)
                if reason:
                    item.add_marker(pytest.mark.skip(reason=f"[service:{marker}] {reason}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "[service:" in str(report.longrepr):
        _skipped_service_tests.append(report.nodeid or str(report.location[0]))


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _vnu_missing:
        terminalreporter.write_line(
            f"HTML NOT VALIDATED in {len(_vnu_missing)} browser test(s): vnu.jar is missing "
            "(run `make tools`).",
            yellow=True,
        )
    if not _skipped_service_tests:
        return
    terminalreporter.write_line(
        f"SKIPPED SERVICE TESTS ({len(_skipped_service_tests)}): "
        + " ".join(sorted(_skipped_service_tests)),
        red=True,
        bold=True,
    )
    if _ci():
        terminalreporter.write_line(
            "CI FAILURE: service-backed tests were skipped; CI must run them against "
            "PostgreSQL, Redis, chromium and Dovecot.",
            red=True,
            bold=True,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Runs before the terminal summary; the exit status set here is what pytest returns.
    if _ci() and _skipped_service_tests and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _empty_cache() -> None:
    """Start from an empty cache: a test database numbers users from 1 again, and entries an
    earlier run left under those ids (Redis, the .cache folder) must not answer for them."""
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # no cache server: nothing to empty
        cache.clear()


@pytest.fixture(autouse=True)
def _plain_settings(settings: Any, tmp_path: Any) -> None:
    """Run tests with local e-mail, eager-free Celery and media in a temporary folder."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"
    # A fast hasher: the suite creates and logs in many users; production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate limits count in the shared cache across tests; tests/security/test_rate_limits.py
    # turns them on where they are the subject.
    settings.ACCOUNT_RATE_LIMITS = False
    settings.PORTAL_RATE_LIMIT_POST = settings.PORTAL_RATE_LIMIT_PDF = None
    # The personas are new accounts: the sending quotas are off unless a test is about them.
    settings.ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS = settings.ACCOUNTS_GLOBAL_DAILY_MAILS = 0


def make_user(username: str, **extra: Any) -> Any:
    from allauth.account.models import EmailAddress

    from crm.models import Profile, User

    user = User.objects.create_user(
        username=username, email=f"{username}@example.com", password="correct horse 42", **extra
    )
    # A confirmed address, as every real account has before it may mail clients.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Profile.objects.create(
        user=user,
        display_name=username.capitalize(),
        business_name=f"{username.capitalize()} Design",
        street="Hauptstraße 1",
        postal_code="10115",
        city="Berlin",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        tax_number="12/345/67890",
        vat_id="DE123456789",
        language="en",
    )
    return user


@pytest.fixture
def alice(db: None) -> Any:
    """A freelancer who owns things."""
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> Any:
    """Another freelancer, who must see nothing of alice's."""
    return make_user("bob")


@pytest.fixture
def alice_client(client: Any, alice: Any) -> Any:
    """pytest-django's HTTP client, logged in as alice."""
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob: Any) -> Any:
    """A separate HTTP client, logged in as bob (usable next to ``alice_client``)."""
    from django.test import Client

    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def anon_client(db: None) -> Any:
    """A separate HTTP client nobody is logged in to."""
    from django.test import Client

    return Client()


@pytest.fixture(scope="session")
def _plain_http_for_live_server() -> Iterator[None]:
    """Serve the live server over plain HTTP even when DEBUG is off (as under `make test`).

    SecurityMiddleware reads the HTTPS redirect and HSTS settings once, when the live server
    builds its handler, so the per-test ``settings`` fixture comes too late for them.
    """
    from django.test.utils import override_settings

    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="session")
def live_server(_plain_http_for_live_server: None, live_server: Any) -> Any:
    """pytest-django's live server, started after the plain-HTTP settings above."""
    return live_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    # Keep each phase's report on the item: the browser fixture skips its page checks when the
    # test itself failed (one failure to read, not two).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _vnu() -> Iterator[Any]:
    """The Nu HTML Checker service (tests/a11y.py), started when a browser test first needs it."""
    from tests.a11y import vnu_service

    with vnu_service() as vnu:
        yield vnu


_vnu_missing: list[str] = []


@pytest.fixture
def browser(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, _vnu: Any
) -> Iterator[Any]:
    """A headless Debian chromium driven by Playwright (sync API).

    Every page a test visits in it, in any context, is checked at the end of the test: axe-core
    for WCAG 2.1 A/AA and the Nu HTML Checker for the HTML the server sent (tests/a11y.py).
    """
    from tests import a11y

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        recorder = a11y.Recorder()
        a11y.wrap_live_server(live_server)
        a11y.recording(recorder)
        new_context = browser.new_context

        def instrumented_context(**kwargs: Any) -> Any:
            context = new_context(**kwargs)
            a11y.instrument_context(context, recorder)
            return context

        browser.new_context = instrumented_context
        try:
            yield browser
            a11y.recording(None)
            report = getattr(request.node, "report_call", None)
            if report is None or report.passed:
                problems = a11y.axe_scan(new_context, recorder.snapshots)
                if _vnu.available():
                    problems += _vnu.check(recorder.served)
                elif _ci():
                    problems.append("vnu.jar is missing: run `make tools` (needs npm and Java).")
                else:
                    _vnu_missing.append(request.node.nodeid)
                if problems:
                    pytest.fail(
                        f"{len(problems)} accessibility or HTML problem(s) on the pages this "
                        "test visited:\n" + "\n".join(problems),
                        pytrace=False,
                    )
        finally:
            a11y.recording(None)
            browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def http_trap() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server on a random port that records every request it gets.

    Yields ``(base_url, requests)``; tests of the PDF renderer assert it receives none.
    """
    import http.server
    import threading

    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dovecot() -> Iterator[Any]:
    """A private Dovecot IMAP server on a free loopback port with a throw-away maildir.

    Tests that use it carry the ``dovecot`` marker (skipped without Dovecot, a failure under
    CI=true); see ``tests.harness.DovecotServer`` for delivering mail and breaking things.
    """
    from tests.harness import DovecotServer

    server = DovecotServer.create()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run Celery tasks in-process, so ``mailoutbox`` shows what the worker would send."""
    from crm.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
