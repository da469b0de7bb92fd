"""Fixtures of the inbox tests: alice's mailbox on a private Dovecot, and mail to put in it."""

from __future__ import annotations

import datetime
import email.message
import email.utils
from pathlib import Path
from typing import Any

import pytest

from clients.models import Client
from clients.tests.factories import ClientFactory
from inbox import services
from inbox.models import Mailbox

MAILS = Path(__file__).parent / "mails"


def sample(name: str) -> bytes:
    """Return one of the real MIME files in inbox/tests/mails/."""
    return (MAILS / name).read_bytes()


def mime(
    *,
    sender: str = "Anna Weber <anna@acme.example>",
    to: str = "alice@example.com",
    subject: str = "Rechnung 2026-0042",
    text: str = "Ich zahle am Freitag.",
    message_id: str | None = "",
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    html: str = "",
    attachments: list[tuple[str, bytes, str]] = (),
) -> bytes:
    """Return a well-formed mail as bytes (what a mail program sends)."""
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(
        datetime.datetime(2026, 11, 12, 10, 0, tzinfo=datetime.UTC)
    )
    if message_id is not None:
        message["Message-ID"] = message_id or email.utils.make_msgid(domain="acme.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.fixture
def acme(alice: Any) -> Client:
    return ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example", language="de")


@pytest.fixture
def mailbox_of(dovecot: Any) -> Any:
    """Return a function that connects a freelancer's mailbox to the test Dovecot."""

    def connect(user: Any, login: str = "alice", password: str = "imap-secret") -> Mailbox:
        dovecot.add_user(login, password)
        return services.mailbox_save(
            owner=user,
            data={
                "host": "127.0.0.1",
                "port": dovecot.port,
                "security": Mailbox.Security.PLAIN,
                "username": login,
                "folder": "INBOX",
                "is_active": True,
            },
            password=password,
        )

    return connect
