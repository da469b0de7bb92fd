"""The freelancer's mailbox and the mail read from it (see docs/inbox.md)."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from communications.models import Message
from crm.models import OwnedModel, OwnedQuerySet
from timeline.models import Activity


class Mailbox(OwnedModel):
    """One IMAP folder per freelancer that replies arrive in, and how far it has been read.

    ``uidvalidity`` and ``last_uid`` are the cursor: mail with a UID above ``last_uid`` is new,
    as long as the server's UIDVALIDITY is the one stored. The password is a Fernet token
    (inbox/crypto.py), never plain text.
    """

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        PLAIN = "plain", _("None (only for a server on this machine)")

    class Problem(models.TextChoices):
        AUTH = "auth", _("user name or password refused")
        CONNECT = "connect", _("server not reachable")
        TIMEOUT = "timeout", _("no answer in time")
        TLS = "tls", _("secure connection failed")
        FOLDER = "folder", _("folder missing")
        DROPPED = "dropped", _("connection closed by the server")
        PROTOCOL = "protocol", _("unexpected answer")
        PASSWORD = "password", _("stored password unreadable")
        MAIL = "mail", _("a mail could not be recorded")

    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("encryption"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255)
    password_token = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    is_active = models.BooleanField(
        _("fetch new mail"), default=True, help_text=_("Untick to pause fetching.")
    )
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    # The claim of a fetch run (inbox/fetching.py): a token and a lease that ends on its own if
    # the worker dies, so the next run may take over.
    fetch_token = models.CharField(max_length=32, blank=True, editable=False)
    fetch_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful fetch"), null=True, blank=True)
    last_error_code = models.CharField(
        _("last problem"), max_length=10, choices=Problem.choices, blank=True
    )
    last_error_detail = models.TextField(_("technical detail"), blank=True)
    last_error_at = models.DateTimeField(_("problem since"), null=True, blank=True)
    uidvalidity_changed_at = models.DateTimeField(
        _("folder renumbered by the server"), null=True, blank=True
    )
    mails_read = models.PositiveIntegerField(_("mails read"), default=0)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner"], name="mailbox_one_per_owner"),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["fetch_lease_until"],
                name="mailbox_active_lease",
                condition=models.Q(is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


class Blob(OwnedModel):
    """File content stored once per freelancer, named by its SHA-256 (raw mails, attachments).

    In the database, not in MEDIA_ROOT: it commits with the mail that refers to it (no orphan
    files after a rollback), is never served by the web server without a login, and is in the
    database backup.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "sha256"], name="blob_once_per_owner"),
        ]

    def __str__(self) -> str:
        return self.sha256


class InboundMail(OwnedModel):
    """One mail read from the mailbox: the parts shown, how it was matched, the raw original."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("On the client's timeline")
        TO_SORT = "to_sort", _("To sort")
        ASSIGNED = "assigned", _("Sorted by hand")
        DISMISSED = "dismissed", _("Not from a client")

    class MatchedBy(models.TextChoices):
        THREAD = "thread", _("answers a message sent from here")
        SENDER = "sender", _("sender's address")
        HAND = "hand", _("sorted by hand")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="mails")
    # Message-ID (or "sha256:<hash of the raw mail>" when it has none): read once per mailbox.
    message_key = models.CharField(_("key"), max_length=300)
    fingerprint = models.CharField(max_length=16, blank=True, editable=False)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    from_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    to_addresses = models.TextField(_("to"), blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    text = models.TextField(_("text"), blank=True)
    reply_text = models.TextField(_("new text"), blank=True)
    html = models.TextField(_("HTML (sanitised)"), blank=True)
    automatic = models.CharField(_("automatic mail, recognised by"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    matched_by = models.CharField(
        _("matched by"), max_length=10, choices=MatchedBy.choices, blank=True
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_mails",
        verbose_name=_("client"),
    )
    answers = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answers the message"),
    )
    activity = models.OneToOneField(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raw = models.ForeignKey(Blob, on_delete=models.RESTRICT, related_name="+", null=True)
    raw_size = models.PositiveBigIntegerField(_("size"), default=0)
    headers_only = models.BooleanField(_("only the headers were read"), default=False)
    # What had to be guessed or left out: [{"code": "charset_guessed"}, {"code":
    # "attachment_skipped", "name": ..., "size": ...}, ...]; shown on the mail's page.
    notes = models.JSONField(_("notes"), default=list, blank=True)

    class Meta:
        ordering = ("-received_at", "-pk")
        verbose_name = _("received mail")
        verbose_name_plural = _("received mails")
        constraints: ClassVar = [
            # Exactly once per mailbox, however often a run re-reads a UID after a crash.
            models.UniqueConstraint(fields=["mailbox", "message_key"], name="mail_once"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["owner", "status", "-received_at"], name="mail_owner_status"),
            models.Index(fields=["owner", "-received_at", "-id"], name="mail_owner_recent"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_key

    def get_absolute_url(self) -> str:
        return reverse("inbox:mail", args=[self.pk])

    @property
    def is_automatic(self) -> bool:
        return bool(self.automatic)


class AttachmentQuerySet(OwnedQuerySet):
    owner_path = "mail__owner"


class MailAttachment(models.Model):
    """A file attached to a received mail; ``blob`` is empty when it was over the size limit."""

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    blob = models.ForeignKey(
        Blob, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ("pk",)
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_stored(self) -> bool:
        return self.blob_id is not None
