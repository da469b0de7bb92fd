"""Talking IMAP: open a connection the way the mailbox says, read UIDs and raw mail.

imap-tools opens the connection (TLS, STARTTLS or plain), logs in and selects the folder, with
its error classes; the fetches go through its ``imaplib`` client directly, because the inbox
needs what imap-tools' message objects leave out (INTERNALDATE, the size before downloading,
header-only reads) and must decode the bytes itself (see parsing.py).

Every socket operation has a timeout (``INBOX_TIMEOUT``): a server that accepts the connection
and then says nothing is given up on, never waited for.
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxFolderSelectError,
    MailboxFolderStatusError,
    MailboxLoginError,
    MailboxStarttlsError,
)

from .crypto import PasswordUnreadable
from .models import Mailbox

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names this machine (plain IMAP is allowed only there)."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ImapProblem(Exception):
    """A failure with a code the settings page explains (``Mailbox.Problem``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail[:2000]


def problem_from(exc: BaseException) -> ImapProblem:
    """Return the ImapProblem that ``exc`` means for the freelancer."""
    if isinstance(exc, ImapProblem):
        return exc
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, PasswordUnreadable):
        return ImapProblem(Mailbox.Problem.PASSWORD, detail)
    if isinstance(exc, MailboxLoginError):
        return ImapProblem(Mailbox.Problem.AUTH, detail)
    if isinstance(exc, MailboxFolderSelectError | MailboxFolderStatusError):
        return ImapProblem(Mailbox.Problem.FOLDER, detail)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError | MailboxStarttlsError):
        return ImapProblem(Mailbox.Problem.TLS, detail)
    if isinstance(exc, TimeoutError | socket.timeout):
        return ImapProblem(Mailbox.Problem.TIMEOUT, detail)
    if isinstance(exc, imaplib.IMAP4.abort):
        if "timed out" in str(exc):
            return ImapProblem(Mailbox.Problem.TIMEOUT, detail)
        return ImapProblem(Mailbox.Problem.DROPPED, detail)
    if isinstance(exc, imaplib.IMAP4.error) and re.search(
        r"AUTHENTICATIONFAILED|LOGIN|credentials|password", str(exc), re.IGNORECASE
    ):
        return ImapProblem(Mailbox.Problem.AUTH, detail)
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError):
        return ImapProblem(Mailbox.Problem.DROPPED, detail)
    if isinstance(exc, OSError):  # refused, unreachable, name not resolved
        return ImapProblem(Mailbox.Problem.CONNECT, detail)
    if isinstance(exc, ImapToolsError | imaplib.IMAP4.error):
        return ImapProblem(Mailbox.Problem.PROTOCOL, detail)
    return ImapProblem(Mailbox.Problem.PROTOCOL, detail)


def tls_context() -> ssl.SSLContext:
    """Return a verifying TLS context (plus INBOX_TLS_CA_FILE, for a private CA)."""
    context = ssl.create_default_context()
    ca_file = getattr(settings, "INBOX_TLS_CA_FILE", "")
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


@dataclass(frozen=True)
class Account:
    """Where and how to log in (the password already decrypted)."""

    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str


def _open(account: Account, timeout: float) -> Any:
    if account.security == Mailbox.Security.TLS:
        return MailBox(account.host, account.port, timeout=timeout, ssl_context=tls_context())
    if account.security == Mailbox.Security.STARTTLS:
        return MailBoxStartTls(
            account.host, account.port, timeout=timeout, ssl_context=tls_context()
        )
    if not is_loopback(account.host):
        # The form refuses it too; a row edited elsewhere must not send a password in clear.
        raise ImapProblem(Mailbox.Problem.TLS, "plain IMAP is only allowed to this machine")
    return MailBoxUnencrypted(account.host, account.port, timeout=timeout)


@dataclass
class Session:
    """A logged-in connection with the folder selected read-only."""

    box: Any
    uidvalidity: int
    exists: int

    @property
    def client(self) -> imaplib.IMAP4:
        return self.box.client


@contextlib.contextmanager
def session(account: Account, *, timeout: float | None = None) -> Iterator[Session]:
    """Log in and select the folder read-only (nothing on the server changes, not even \\Seen).

    Raises ImapProblem for anything that goes wrong, with a code for the settings page.
    """
    timeout = timeout or float(getattr(settings, "INBOX_TIMEOUT", 30))
    box = None
    try:
        try:
            box = _open(account, timeout)
            box.login(account.username, account.password, initial_folder=None)
            typ, data = box.client.select(_quoted(account.folder), readonly=True)
            if typ != "OK":
                raise MailboxFolderSelectError(command_result=(typ, data), expected="OK")
            exists = int(data[0]) if data and data[0] and data[0].isdigit() else 0
            _typ, validity = box.client.response("UIDVALIDITY")
            if not validity or validity[0] is None:
                raise ImapProblem(Mailbox.Problem.PROTOCOL, "the server sent no UIDVALIDITY")
        except ImapProblem:
            raise
        except Exception as exc:
            raise problem_from(exc) from exc
        # What the caller does with the session raises its own errors (see IMAP_ERRORS).
        yield Session(box=box, uidvalidity=int(validity[0]), exists=exists)
    finally:
        if box is not None:
            with contextlib.suppress(Exception):
                box.client.shutdown()  # no LOGOUT round trip: it may hang like the rest


# What reading from a session may raise; fetching turns these into an ImapProblem.
IMAP_ERRORS = (OSError, EOFError, imaplib.IMAP4.error, ImapToolsError, ssl.SSLError)


def _quoted(folder: str) -> str:
    from imap_tools.utils import encode_folder

    return encode_folder(folder)


# --- Reading ------------------------------------------------------------------------------

UID = re.compile(rb"UID (\d+)")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
INTERNALDATE = re.compile(rb'INTERNALDATE "[^"]+"')


def _check(typ: str, data: Any, what: str) -> None:
    if typ != "OK":
        raise ImapProblem(Mailbox.Problem.PROTOCOL, f"{what}: {typ} {data!r}"[:2000])


def uids_after(session: Session, last_uid: int) -> list[int]:
    """Return the UIDs above ``last_uid``, ascending (``n:*`` always answers the last one)."""
    typ, data = session.client.uid("SEARCH", f"UID {last_uid + 1}:*")
    _check(typ, data, "UID SEARCH")
    found = [int(uid) for uid in (data[0] or b"").split()] if data else []
    return sorted(uid for uid in found if uid > last_uid)


def uids_since(session: Session, day: datetime.date) -> list[int]:
    """Return the UIDs of mail that arrived on or after ``day`` (the first read of a folder)."""
    typ, data = session.client.uid("SEARCH", f"SINCE {day.strftime('%d-%b-%Y')}")
    _check(typ, data, "UID SEARCH SINCE")
    return sorted(int(uid) for uid in (data[0] or b"").split()) if data else []


def uids_all(session: Session) -> list[int]:
    typ, data = session.client.uid("SEARCH", "ALL")
    _check(typ, data, "UID SEARCH ALL")
    return sorted(int(uid) for uid in (data[0] or b"").split()) if data else []


@dataclass(frozen=True)
class Envelope:
    """What the server says about a message before it is downloaded."""

    uid: int
    size: int
    received_at: datetime.datetime | None


def envelopes(session: Session, uids: list[int]) -> dict[int, Envelope]:
    """Return size and arrival time of each UID (one FETCH, no message data)."""
    if not uids:
        return {}
    typ, data = session.client.uid("FETCH", _uid_set(uids), "(UID RFC822.SIZE INTERNALDATE)")
    _check(typ, data, "UID FETCH (RFC822.SIZE INTERNALDATE)")
    found = {}
    for item in data or []:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = UID.search(line), SIZE.search(line)
        if not uid:
            continue
        received = None
        stamp = INTERNALDATE.search(line)
        moment = imaplib.Internaldate2tuple(stamp.group(0)) if stamp else None
        if moment is not None:  # local time tuple: mktime gives the instant back
            received = datetime.datetime.fromtimestamp(time.mktime(moment), tz=datetime.UTC)
        found[int(uid.group(1))] = Envelope(
            uid=int(uid.group(1)), size=int(size.group(1)) if size else 0, received_at=received
        )
    return found


def fetch_raw(session: Session, uids: list[int], *, headers_only: bool = False) -> dict[int, bytes]:
    """Return the raw bytes of each UID (``BODY.PEEK``: the \\Seen flag stays as it was)."""
    if not uids:
        return {}
    part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
    typ, data = session.client.uid("FETCH", _uid_set(uids), f"(UID {part})")
    _check(typ, data, "UID FETCH BODY")
    found: dict[int, bytes] = {}
    items = list(data or [])
    for index, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        head, body = item[0], item[1]
        uid = UID.search(head)
        if uid is None and index + 1 < len(items) and isinstance(items[index + 1], bytes):
            uid = UID.search(items[index + 1])  # some servers send UID after the literal
        if uid is not None and isinstance(body, bytes):
            found[int(uid.group(1))] = body
    return found


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)
