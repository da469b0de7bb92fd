"""Demo data for the inbox (see crm.demo): a mailbox, mail to sort, and replies that matter.

The mails are real MIME messages recorded through ``services.mail_record``, the path every
fetched mail takes: one client answers a status update while a payment reminder waits (the
reminder is held, "Replies to read" shows it), one client is away (an auto-reply on the
timeline), and a few mails from unknown senders wait in "Inbox to sort". The mailbox is paused:
there is no server behind the demo address.
"""

from __future__ import annotations

import datetime
import email.message
import email.utils
from typing import Any

from clients.models import Client
from communications.models import REMINDER_KINDS, Message
from communications.replies import AUTOMATIC_KINDS
from crm.demo import DemoContext

from .models import Blob, InboundMail, Mailbox
from .services import Delivery, mail_record, mailbox_save


def wipe(user: Any) -> None:
    """Delete the demo user's inbox rows."""
    InboundMail.objects.filter(owner=user).delete()  # attachments cascade
    Mailbox.objects.filter(owner=user).delete()
    Blob.objects.filter(owner=user).delete()


def _mail(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    sent_at: datetime.datetime,
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachment: tuple[str, bytes, str] | None = None,
) -> bytes:
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(sent_at)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2].strip(">"))
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if attachment:
        filename, content, content_type = attachment
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def _replying_client(user: Any) -> tuple[Client | None, Message | None]:
    """Return a client with a waiting automatic message, and what was last sent to them."""
    pending = Message.objects.filter(
        owner=user,
        status__in=[Message.Status.DRAFT, Message.Status.SCHEDULED],
        client__email__gt="",
    ).select_related("client")
    # A payment reminder first: the reply "I'll pay on Friday" is what it must wait for.
    waiting = (
        pending.filter(kind__in=list(REMINDER_KINDS.values())).order_by("pk").first()
        or pending.filter(kind__in=list(AUTOMATIC_KINDS)).order_by("pk").first()
    )
    if waiting is None:
        return None, None
    sent = (
        Message.objects.filter(client=waiting.client, status=Message.Status.SENT)
        .exclude(message_id="")
        .order_by("-sent_at")
        .first()
    )
    return waiting.client, sent


def seed(context: DemoContext) -> None:
    """Create the demo user's mailbox and received mail (through the real recording path)."""
    user, now = context.user, context.now
    mailbox = mailbox_save(
        owner=user,
        data={
            "host": "imap.lindner.example",
            "port": 993,
            "security": Mailbox.Security.TLS,
            "username": user.email,
            "folder": "INBOX",
            "is_active": False,
        },
        password="demo-imap-password",  # noqa: S106 (a demo mailbox with no server)
    )
    own = user.email
    recorded = 0

    def deliver(raw: bytes, hours_ago: float) -> InboundMail:
        nonlocal recorded
        mail, created = mail_record(
            mailbox=mailbox,
            delivery=Delivery(raw=raw, received_at=now - datetime.timedelta(hours=hours_ago)),
        )
        recorded += created
        return mail

    client, sent = _replying_client(user)
    if client is not None:
        german = client.language == "de"
        deliver(
            _mail(
                sender=f"{client.salutation or client.name} <{client.email}>",
                to=own,
                subject=("AW: " if german else "Re: ") + (sent.subject if sent else client.name),
                text=(
                    "Danke für die Nachricht! Die Rechnung ist freigegeben, ich überweise am "
                    "Freitag.\n\nViele Grüße\n\nAm Montag schrieb Mara Lindner:\n> Hallo"
                    if german
                    else "Thanks! The invoice is approved, I'll pay on Friday.\n\nBest,\n\n"
                    "On Monday, Mara Lindner wrote:\n> Hi"
                ),
                sent_at=now - datetime.timedelta(hours=3),
                in_reply_to=sent.message_id if sent else "",
            ),
            hours_ago=3,
        )
    away = (
        Client.objects.filter(owner=user, email__gt="")
        .exclude(pk=client.pk if client else None)
        .order_by("pk")
        .first()
    )
    if away is not None:
        deliver(
            _mail(
                sender=away.email,
                to=own,
                subject="Abwesenheitsnotiz: Projektstand",
                text="Vielen Dank für Ihre Nachricht. Ich bin bis 12.01. nicht im Büro und "
                "antworte danach.",
                sent_at=now - datetime.timedelta(hours=20),
                headers={"Auto-Submitted": "auto-replied"},
            ),
            hours_ago=20,
        )
    # A colleague at a client's company (its own domain): offered to that client for sorting.
    domains: dict[str, list[Client]] = {}
    for candidate in Client.objects.filter(owner=user, email__contains="@").order_by("pk"):
        domains.setdefault(candidate.email.rpartition("@")[2].lower(), []).append(candidate)
    company = next((found[0] for found in domains.values() if len(found) == 1), None)
    unknown = [
        _mail(
            sender="Jana Kurz <jana@kurz-architektur.example>",
            to=own,
            subject="Anfrage: Relaunch unserer Website",
            text="Guten Tag Frau Lindner,\n\nwir planen für das Frühjahr einen Relaunch und "
            "würden gern mit Ihnen sprechen. Passt Ihnen ein Termin nächste Woche?\n\n"
            "Beste Grüße\nJana Kurz",
            sent_at=now - datetime.timedelta(hours=5),
            attachment=(
                "Briefing.txt",
                b"Seiten: Start, Team, Projekte, Kontakt\n",
                "text/plain",
            ),
        ),
        _mail(
            sender="Tom Berger <tom.berger@posteo.example>",
            to=own,
            subject="Empfehlung von Anna",
            text="Hallo Mara,\n\nAnna hat mir deine Arbeit empfohlen. Hast du im März Zeit für "
            "ein kleines Logo-Projekt?\n\nTom",
            sent_at=now - datetime.timedelta(days=1, hours=2),
        ),
        _mail(
            sender="Verein Kulturhaus Nord <vorstand@kulturhaus-nord.example>",
            to=own,
            subject="Flyer für das Sommerfest?",
            text="Liebe Frau Lindner,\n\nwir suchen jemanden für Flyer und Plakate zu unserem "
            "Sommerfest im Juni. Was würde das ungefähr kosten?\n\nHerzliche Grüße\nIlse Brand",
            sent_at=now - datetime.timedelta(days=1, hours=8),
        ),
    ]
    if company is not None:
        domain = company.email.rpartition("@")[2]
        unknown.append(
            _mail(
                sender=f"Buchhaltung <buchhaltung@{domain}>",
                to=own,
                subject="Rückfrage zur Rechnungsadresse",
                text="Hallo,\n\nbitte stellen Sie künftige Rechnungen an unsere neue Adresse "
                "aus. Danke!\n\nIhre Buchhaltung",
                sent_at=now - datetime.timedelta(days=2),
            )
        )
    for hours, raw in enumerate(unknown, start=4):
        deliver(raw, hours_ago=hours * 6)
    context.count("received mails", recorded)
