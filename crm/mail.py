"""The one e-mail helper: build a multipart message; open a connection to send a batch over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.utils.translation import gettext as _

# A stable right-hand side for Message-IDs: never the machine's host name, which leaks into
# headers and changes between containers.
MSGID_DOMAIN = "kundenpflege.crm"


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


def one_line(subject: str) -> str:
    """Collapse a subject to one line (a newline in a header would be refused or injected)."""
    return " ".join(subject.split())


def new_message_id() -> str:
    return make_msgid(domain=MSGID_DOMAIN)


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
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers={"Message-ID": mail.message_id or new_message_id()},
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
