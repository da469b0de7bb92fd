"""The one e-mail helper: build a multipart message; open a connection to send a batch over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .senders import domain_of, mail_date, site_domain


class MailError(ValueError):
    """A message that cannot be built (e.g. an invalid reply-to address); nothing was sent."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class OutgoingMail:
    subject: str
    text: str
    to: Sequence[str]
    html: str = ""
    reply_to: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    message_id: str = ""
    # "Name <address>" (crm.senders.sender_for); empty: DEFAULT_FROM_EMAIL.
    from_email: str = ""
    # The sender's time zone, for the Date header's offset; empty: TIME_ZONE.
    time_zone: str = ""


def one_line(subject: str) -> str:
    """Collapse a subject to one line (a newline in a header would be refused or injected)."""
    return " ".join(subject.split())


def new_message_id(domain: str = "") -> str:
    """Return a Message-ID on ``domain``, else the host of SITE_URL, else the sender domain.

    Never the machine's host name (it leaks into headers and changes between containers) and
    never a made-up domain.
    """
    domain = domain or site_domain() or domain_of(settings.DEFAULT_FROM_EMAIL.strip("<> "))
    return make_msgid(domain=domain or "localhost")


def mail_build(mail: OutgoingMail, *, from_email: str | None = None) -> EmailMultiAlternatives:
    """Return the EmailMultiAlternatives for ``mail``; raise MailError for an invalid address."""
    recipients = [address.strip() for address in mail.to if address.strip()]
    if not recipients:
        raise MailError(_("The message has no recipient."))
    for address in [*recipients, *([mail.reply_to] if mail.reply_to else [])]:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise MailError(
                _("“%(address)s” is not a valid e-mail address.") % {"address": address}
            ) from exc
    email = EmailMultiAlternatives(
        subject=one_line(mail.subject),
        body=mail.text,
        from_email=from_email or mail.from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers={
            "Message-ID": mail.message_id or new_message_id(),
            # Django writes -0000 (unknown zone); the sender's own offset reads better.
            "Date": format_datetime(mail_date(mail.time_zone)),
        },
    )
    if mail.html:
        email.attach_alternative(mail.html, "text/html")
    for attachment in mail.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


def connection_open(**kwargs: Any) -> Any:
    """Return an open connection of the configured backend, to send a batch through."""
    connection = get_connection(**kwargs)
    connection.open()
    return connection


def mail_send(mail: OutgoingMail) -> int:
    """Build and send one e-mail over its own connection; return how many went out (0 or 1).

    For single mails outside the outbox (account and portal notices, sent from Celery tasks).
    Raises the backend's error (OSError, SMTPException) so the task can retry.
    """
    return mail_build(mail).send()
