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


# The demo mailbox: paused, as there is no server behind the demo address.
MAILBOX = {
    "host": "imap.lindner.example",
    "port": 993,
    "security": Mailbox.Security.TLS,
    "folder": "INBOX",
    "is_active": False,
}
# A client's answer to what was last sent to them, by language.
REPLY_TEXT = {
    "de": "Danke für die Nachricht! Die Rechnung ist freigegeben, ich überweise am "
    "Freitag.\n\nViele Grüße\n\nAm Montag schrieb Mara Lindner:\n> Hallo",
    "en": "Thanks! The invoice is approved, I'll pay on Friday.\n\nBest,\n\n"
    "On Monday, Mara Lindner wrote:\n> Hi",
}
# Mail from senders who are no client yet: sender, subject, text, age, attachment.
UNKNOWN = [
    (
        "Jana Kurz <jana@kurz-architektur.example>",
        "Anfrage: Relaunch unserer Website",
        "Guten Tag Frau Lindner,\n\nwir planen für das Frühjahr einen Relaunch und "
        "würden gern mit Ihnen sprechen. Passt Ihnen ein Termin nächste Woche?\n\n"
        "Beste Grüße\nJana Kurz",
        datetime.timedelta(hours=5),
        ("Briefing.txt", b"Seiten: Start, Team, Projekte, Kontakt\n", "text/plain"),
    ),
    (
        "Tom Berger <tom.berger@posteo.example>",
        "Empfehlung von Anna",
        "Hallo Mara,\n\nAnna hat mir deine Arbeit empfohlen. Hast du im März Zeit für "
        "ein kleines Logo-Projekt?\n\nTom",
        datetime.timedelta(days=1, hours=2),
        None,
    ),
    (
        "Verein Kulturhaus Nord <vorstand@kulturhaus-nord.example>",
        "Flyer für das Sommerfest?",
        "Liebe Frau Lindner,\n\nwir suchen jemanden für Flyer und Plakate zu unserem "
        "Sommerfest im Juni. Was würde das ungefähr kosten?\n\nHerzliche Grüße\nIlse Brand",
        datetime.timedelta(days=1, hours=8),
        None,
    ),
]


def seed(context: DemoContext) -> None:
    """Create the demo user's mailbox and received mail (through the real recording path)."""
    user, now = context.user, context.now
    mailbox = mailbox_save(
        owner=user,
        data={**MAILBOX, "username": user.email},
        password="demo-imap-password",  # noqa: S106 (a demo mailbox with no server)
    )
    mails: list[tuple[bytes, float]] = []  # (the mail, hours since it arrived)
    client, sent = _replying_client(user)
    if client is not None:
        mails.append((_reply(client, sent, to=user.email, now=now), 3))
    away = (
        Client.objects.filter(owner=user, email__gt="")
        .exclude(pk=client.pk if client else None)
        .order_by("pk")
        .first()
    )
    if away is not None:
        mails.append((_away_notice(away, to=user.email, now=now), 20))
    unknown = [
        _mail(
            sender=sender,
            to=user.email,
            subject=subject,
            text=text,
            sent_at=now - age,
            attachment=attachment,
        )
        for sender, subject, text, age, attachment in UNKNOWN
    ]
    company = _company_with_own_domain(user)
    if company is not None:
        unknown.append(_colleague_mail(company, to=user.email, now=now))
    mails.extend((raw, hours * 6) for hours, raw in enumerate(unknown, start=4))
    recorded = 0
    for raw, hours_ago in mails:
        _mail_row, created = mail_record(
            mailbox=mailbox,
            delivery=Delivery(raw=raw, received_at=now - datetime.timedelta(hours=hours_ago)),
        )
        recorded += created
    context.count("received mails", recorded)


def _reply(client: Client, sent: Message | None, *, to: str, now: datetime.datetime) -> bytes:
    """Return the client's answer to what was last sent to them ("I'll pay on Friday")."""
    german = client.language == "de"
    return _mail(
        sender=f"{client.salutation or client.name} <{client.email}>",
        to=to,
        subject=("AW: " if german else "Re: ") + (sent.subject if sent else client.name),
        text=REPLY_TEXT["de" if german else "en"],
        sent_at=now - datetime.timedelta(hours=3),
        in_reply_to=sent.message_id if sent else "",
    )


def _away_notice(client: Client, *, to: str, now: datetime.datetime) -> bytes:
    """Return an automatic out-of-office reply from the client."""
    return _mail(
        sender=client.email,
        to=to,
        subject="Abwesenheitsnotiz: Projektstand",
        text="Vielen Dank für Ihre Nachricht. Ich bin bis 12.01. nicht im Büro und "
        "antworte danach.",
        sent_at=now - datetime.timedelta(hours=20),
        headers={"Auto-Submitted": "auto-replied"},
    )


def _company_with_own_domain(user: Any) -> Client | None:
    """Return the first client whose e-mail domain no other client shares (a company's)."""
    domains: dict[str, list[Client]] = {}
    for candidate in Client.objects.filter(owner=user, email__contains="@").order_by("pk"):
        domains.setdefault(candidate.email.rpartition("@")[2].lower(), []).append(candidate)
    return next((found[0] for found in domains.values() if len(found) == 1), None)


def _colleague_mail(company: Client, *, to: str, now: datetime.datetime) -> bytes:
    """Return a mail from a colleague at the client's company: offered to it for sorting."""
    domain = company.email.rpartition("@")[2]
    return _mail(
        sender=f"Buchhaltung <buchhaltung@{domain}>",
        to=to,
        subject="Rückfrage zur Rechnungsadresse",
        text="Hallo,\n\nbitte stellen Sie künftige Rechnungen an unsere neue Adresse "
        "aus. Danke!\n\nIhre Buchhaltung",
        sent_at=now - datetime.timedelta(days=2),
    )
