"""The outbox of messages to clients, and the activity log behind each client's timeline."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Note
from crm.models import OwnedModel, OwnedQuerySet
from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project


class MessageQuerySet(OwnedQuerySet):
    def due(self, now: datetime.datetime) -> MessageQuerySet:
        """Return the scheduled messages whose send time has come."""
        return self.filter(status=Message.Status.SCHEDULED, send_after__lte=now)


class Message(OwnedModel):
    """One outgoing message to a client: the database row is the truth, Celery only sends it."""

    class Kind(models.TextChoices):
        STATUS_UPDATE = "status_update", _("Status update")
        DELAY_NOTICE = "delay_notice", _("Delay notice")
        REMINDER_1 = "reminder_1", _("Payment reminder: friendly note")
        REMINDER_2 = "reminder_2", _("Payment reminder: clear reminder")
        REMINDER_3 = "reminder_3", _("Payment reminder: formal final notice")
        OFFER_SENT = "offer_sent", _("Offer sent")
        INVOICE_SENT = "invoice_sent", _("Invoice sent")
        CHANGE_ACCEPTED = "change_accepted", _("Change request accepted")
        CHANGE_DECLINED = "change_declined", _("Change request declined")
        WRAP_UP = "wrap_up", _("Project wrap-up")
        KEEP_IN_TOUCH = "keep_in_touch", _("Keep in touch")
        ONE_OFF = "one_off", _("Message")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        UNCERTAIN = "uncertain", _("Uncertain")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="messages", verbose_name=_("client")
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    # e.g. "reminder:invoice:42:level:1"; unique per owner, so planners can run twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    to = models.CharField(_("to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    held_reason = models.CharField(_("held because"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "dedupe_key"], name="message_dedupe_unique"),
        ]
        indexes: ClassVar = [
            # The dispatcher's sweep: only scheduled rows, by send time.
            models.Index(
                fields=["send_after"],
                name="message_scheduled_due",
                condition=models.Q(status="scheduled"),
            ),
            models.Index(fields=["client", "-created_at"], name="message_client_created"),
            models.Index(fields=["owner", "status"], name="message_owner_status"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("communications:detail", args=[self.pk])


class Activity(OwnedModel):
    """One entry on a client's timeline: a note, a message, an offer, a status change ...

    Services write an entry whenever something happens to a client, so the timeline is one
    indexed, paginated query however many kinds of things it merges.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        MESSAGE = "message", _("Message")
        OFFER = "offer", _("Offer")
        INVOICE = "invoice", _("Invoice")
        CHANGE_REQUEST = "change_request", _("Change request")
        STATUS = "status", _("Status change")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.CharField(_("summary"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-occurred_at", "-pk")
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes: ClassVar = [
            models.Index(fields=["client", "-occurred_at"], name="activity_client_time"),
            models.Index(fields=["client", "kind", "-occurred_at"], name="activity_client_kind"),
        ]

    def __str__(self) -> str:
        return self.summary
