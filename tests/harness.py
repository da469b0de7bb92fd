"""Real components for the end-to-end and fault tests (a plain module; fixtures in conftest.py).

* ``SmtpSink``: an aiosmtpd server on loopback that records what it accepts; it can refuse,
  hang, or answer each message slowly.
* ``CeleryProcesses``: real ``celery worker`` / ``beat`` subprocesses, killable by process group.
* ``PostgresServer`` / ``RedisServer``: private servers on free loopback ports that a test may
  stop and start (the machine's shared PostgreSQL and Redis are never touched).
* ``WebServer`` and ``HttpSession``: gunicorn serving the app, and a cookie-keeping HTTP client.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import http.client
import os
import pwd
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what or condition}")


def skip_service(service: str, reason: str) -> None:
    """Skip the test as a missing service (named in one line; a failure under CI=true)."""
    pytest.skip(f"[service:{service}] {reason}")


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Any

    @property
    def subject(self) -> str:
        # Django folds a non-ASCII subject onto a continuation line; unfold it as clients do.
        return str(self.message["subject"]).strip()

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class SmtpSink:
    """An SMTP server on loopback that records what it accepts; it can refuse, hang or dawdle.

    ``delay`` (seconds, or a callable returning seconds) holds back the answer to each DATA
    after the message has been recorded: the data went out, the client waits for the verdict.
    """

    port: int
    mode: str = "accept"  # accept | refuse | hang
    delay: float | Callable[[], float] = 0.0
    received: list[Received] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "refuse":
            self.refused += 1
            return "554 5.7.1 Refused by the test sink"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.mode == "hang":
            # The data is here (handed off), but the client never hears back.
            await asyncio.sleep(120)
        delay = self.delay() if callable(self.delay) else self.delay
        if delay:
            await asyncio.sleep(delay)
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [mail.message_id for mail in self.received]

    def subjects(self) -> list[str]:
        return [mail.subject for mail in self.received]


# --- Celery ----------------------------------------------------------------------------------


def celery_env(
    *, database_url: str, redis_url: str, smtp_port: int, **overrides: str
) -> dict[str, str]:
    """Return the environment for worker, beat or web subprocesses of a test.

    Sweeps run every second and a row left ``sending`` becomes uncertain after 4 seconds, so
    recovery shows within a test's lifetime; ``overrides`` change any of it.
    """
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SECRET_KEY": "e2e-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "true",
        "COMMS_PLAN_EVERY": "1",
        "COMMS_DISPATCH_EVERY": "1",
        "COMMS_SENDING_TIMEOUT": "4",
        "EMAIL_TIMEOUT": "60",
        "CONN_MAX_AGE": "0",
        # The personas are new accounts; the sending quotas have their own tests.
        "ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS": "0",
        "ACCOUNTS_GLOBAL_DAILY_MAILS": "0",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def live_database_url() -> str:
    """Return a URL of this process's test database, for subprocesses (transactional tests)."""
    from django.db import connection

    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


@dataclass
class CeleryProcesses:
    """Celery worker and beat subprocesses, each in its own process group (killable whole)."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(BIN_DIR / "celery"), "-A", "crm", *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        return self.start(
            name,
            "worker",
            "-l",
            "info",
            f"--concurrency={concurrency}",
            "-n",
            f"{name}-{os.getpid()}@e2e",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def beat(self) -> subprocess.Popen:
        return self.start(
            "beat", "beat", "-l", "info", "-s", str(self.logs / "beat-schedule"), "--pidfile="
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group of ``name`` (main process and pool)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)
        if sig != signal.SIGKILL:
            # Pool children that outlive a warm shutdown must not keep sending.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM if name == "beat" else signal.SIGKILL)

    def log(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in self.logs.glob("*.log")
        )


# --- Private PostgreSQL and Redis ------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Return a folder with initdb, pg_ctl and postgres (newest Debian version first), or None."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl") or "").resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


@dataclass
class PostgresServer:
    """A private PostgreSQL cluster on a free loopback port that a test may stop and start.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user
    and every server command runs through ``runuser``. ``fsync=off``: a clean stop or restart
    loses nothing, and the cluster is thrown away after the test.
    """

    bindir: Path
    root: Path
    port: int

    @classmethod
    def create(cls) -> PostgresServer:
        bindir = postgres_bindir()
        if bindir is None:
            skip_service("postgres-server", "PostgreSQL server binaries (initdb, pg_ctl) missing")
        assert bindir is not None
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                skip_service("postgres-server", "running as root and no postgres user to own it")
            if shutil.which("runuser") is None:
                skip_service("postgres-server", "running as root and runuser is missing")
        # Under /tmp (not pytest's 0700 tmp_path): the postgres user must reach the folder.
        root = Path(tempfile.mkdtemp(prefix="crm-faults-pg-"))
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        server = cls(bindir=bindir, root=root, port=free_port())
        server._run(
            "initdb",
            "-D",
            str(server.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-N",
            "-E",
            "UTF8",
            "--no-locale",
        )
        return server

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, check=True, timeout=120
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=60"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def createdb(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            if self.is_running():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisServer:
    """A private redis-server on a free loopback port (no persistence) that a test may kill."""

    port: int
    logs: Path
    process: subprocess.Popen | None = None

    @classmethod
    def create(cls, logs: Path) -> RedisServer:
        if shutil.which("redis-server") is None:
            skip_service("redis-server", "redis-server is not installed")
        return cls(port=free_port(), logs=logs)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.logs / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), timeout=30, what="redis-server to listen")

    def kill(self) -> None:
        """Kill the server outright (SIGKILL): queued tasks are lost, as in a crash."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=30)
            self.process = None


# --- The web app ----------------------------------------------------------------------------


def static_files_collected(env: dict[str, str]) -> None:
    """Run collectstatic unless staticfiles/ is newer than every file under static/.

    With DEBUG off the app serves hashed file names from the manifest, which only
    collectstatic writes (about 8 seconds, so it is kept between runs).
    """
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    newest = max(path.stat().st_mtime for path in (BASE_DIR / "static").rglob("*"))
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )


@dataclass
class WebServer:
    """gunicorn serving the app with DEBUG off, as in production, on a free loopback port."""

    env: dict[str, str]
    logs: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        static_files_collected(self.env)
        log = (self.logs / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(BIN_DIR / "gunicorn"),
                "crm.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), timeout=60, what="gunicorn to listen")

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None

    def log(self) -> str:
        path = self.logs / "gunicorn.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def web_env(env: dict[str, str]) -> dict[str, str]:
    """Return ``env`` set up like production: DEBUG off, plain HTTP on loopback."""
    return {
        **env,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


class HttpSession:
    """A small HTTP client that keeps cookies by hand (the app marks them Secure; this is HTTP).

    CSRF: Django checks that the form token matches the ``csrftoken`` cookie, so the session
    sets both to one random secret instead of scraping a form first.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        self.csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        self.cookies = {"csrftoken": self.csrf, **(cookies or {})}

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        timeout: float = 10,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one request; raise OSError (a timeout included) when no answer comes."""
        body = None
        headers = {
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
            "Accept-Language": "de",
            **(headers or {}),
        }
        if method == "POST":
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **(data or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read().decode("utf-8", errors="replace")
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "max-age=0" not in rest.lower():
                        self.cookies[key.strip()] = cookie_value
            return Response(
                answer.status, {name.lower(): value for name, value in answer.getheaders()}, content
            )
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Response:
        return self.request("POST", path, data, **kwargs)


def seeded_random(name: str) -> tuple[random.Random, int]:
    """Return a RNG and its seed (FAULTS_SEED, or a fresh one) so a failing run can be replayed."""
    seed = int(os.environ.get("FAULTS_SEED") or secrets.randbelow(2**31))
    print(f"FAULTS {name}: seed={seed} (replay with FAULTS_SEED={seed})")
    return random.Random(seed), seed


# --- Dovecot (IMAP) -------------------------------------------------------------------------

DOVECOT = os.environ.get("DOVECOT_PATH", "/usr/sbin/dovecot")


def dovecot_path() -> str | None:
    """Return the dovecot binary (Debian's dovecot-imapd), or None when it is not installed."""
    for candidate in (DOVECOT, shutil.which("dovecot") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class DovecotServer:
    """A throw-away Dovecot IMAP server on a free loopback port, with its own config and maildir.

    Nothing of the system's Dovecot is used: a minimal dovecot.conf in a temporary folder, a
    passwd-file of its own, plain logins on 127.0.0.1 only. Dovecot refuses to run its login
    processes as root, so as root they run as ``nobody`` and the mail belongs to ``nobody``;
    otherwise everything runs as the current user. Mail is delivered the way an MTA does:
    written to ``tmp/`` and renamed into ``new/`` of the maildir, as real MIME files.
    """

    root: Path
    port: int
    binary: str
    uid: int
    gid: int
    user_name: str
    group_name: str
    process: subprocess.Popen | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    _delivered: int = 0
    tls_port: int = field(default_factory=free_port)

    @classmethod
    def create(cls) -> DovecotServer:
        binary = dovecot_path()
        if binary is None:
            skip_service("dovecot", "dovecot is not installed (apt-get install dovecot-imapd)")
        assert binary is not None
        is_root = os.geteuid() == 0
        account = pwd.getpwnam("nobody") if is_root else pwd.getpwuid(os.geteuid())
        import grp

        group = grp.getgrgid(account.pw_gid).gr_name
        # Under /tmp (not pytest's 0700 tmp_path): the unprivileged processes must reach it.
        root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
        root.chmod(0o755)
        server = cls(
            root=root,
            port=free_port(),
            binary=binary,
            uid=account.pw_uid,
            gid=account.pw_gid,
            user_name=account.pw_name,
            group_name=group,
        )
        (root / "run").mkdir()
        (root / "state").mkdir()
        (root / "mail").mkdir()
        server._own(root / "mail")
        server.write_certificate()
        server.write_config()
        return server

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate (for 127.0.0.1): the CA file a client trusts."""
        return self.root / "cert.pem"

    def write_certificate(self) -> None:
        import datetime as dt
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path = self.root / "key.pem"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def write_config(self) -> None:
        self.config.write_text(
            f"""# Written by tests/harness.py: a private test server, no system configuration.
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.certificate}
ssl_key = <{self.root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {self.user_name}
default_internal_user = {self.user_name}
default_internal_group = {self.group_name}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:{self.root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {self.user_name}
  }}
  unix_listener stats-writer {{
    user = {self.user_name}
  }}
}}
"""
        )

    def add_user(self, name: str, password: str) -> None:
        """Create (or change the password of) a mail account; Dovecot re-reads the file."""
        self.passwords[name] = password
        self._write_passwd()
        self.folder_path(name).mkdir(parents=True, exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            (self.folder_path(name) / sub).mkdir(exist_ok=True)
        for path in [self.root / "mail" / name, *self.folder_path(name).rglob("*")]:
            self._own(path)
        self._own(self.folder_path(name))

    def remove_user(self, name: str) -> None:
        self.passwords.pop(name, None)
        self._write_passwd()

    def _write_passwd(self) -> None:
        path = self.root / "passwd"
        existed = path.exists()
        path.write_text("".join(f"{n}:{{PLAIN}}{p}\n" for n, p in self.passwords.items()))
        path.chmod(0o644)
        # Dovecot re-reads the passwd-file when its modification time changed, checking at most
        # once a second: move the time on, and let that second pass.
        later = time.time() + self._delivered + 2
        os.utime(path, (later, later))
        self._delivered += 1
        if existed:
            time.sleep(1.1)

    def folder_path(self, user: str, folder: str = "INBOX") -> Path:
        base = self.root / "mail" / user
        return base if folder == "INBOX" else base / f".{folder}"

    def create_folder(self, user: str, folder: str) -> None:
        path = self.folder_path(user, folder)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
            self._own(path / sub)
        self._own(path)

    def delete_folder(self, user: str, folder: str) -> None:
        shutil.rmtree(self.folder_path(user, folder))

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> Path:
        """Put one MIME message into the maildir, as an MTA delivers it (tmp/, then new/)."""
        self._delivered += 1
        name = f"{time.time():.6f}.P{os.getpid()}Q{self._delivered}.crm-test"
        base = self.folder_path(user, folder)
        temporary = base / "tmp" / name
        temporary.write_bytes(raw)
        self._own(temporary)
        final = base / "new" / name
        temporary.rename(final)
        return final

    def renumber(self, user: str, folder: str = "INBOX") -> None:
        """Make the server give the folder a new UIDVALIDITY (as after a restore or migration)."""
        base = self.folder_path(user, folder)
        # The index and the UID list go; dovecot-uidvalidity (the last value handed out) stays,
        # so the next value differs.
        for path in [base / "dovecot-uidlist", *base.glob("dovecot.index*")]:
            if path.is_file():
                path.unlink()
        for path in (base / "cur").glob("*"):
            path.rename(base / "new" / path.name.split(":", 1)[0])

    def start(self) -> None:
        log = (self.root / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: port_open(self.port) and port_open(self.tls_port),
            timeout=30,
            what="dovecot to listen",
        )

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class SilentServer:
    """A TCP server on loopback that accepts connections and never says a word (a hung IMAP)."""

    port: int = field(default_factory=free_port)
    sock: socket.socket | None = None
    accepted: list[socket.socket] = field(default_factory=list)

    def start(self) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)

        def accept() -> None:
            while self.sock is not None:
                try:
                    connection, _address = self.sock.accept()
                except OSError:
                    return
                self.accepted.append(connection)

        threading.Thread(target=accept, daemon=True).start()

    def stop(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()
        for connection in self.accepted:
            connection.close()
