"""The client's timeline: one row per thing that happened with a client.

Every app writes here through ``timeline.services.activity_record``; the client page reads it
as one indexed, paginated query however many kinds of things it merges. The links to the rows an
entry is about are string references, so this app sits below the apps whose rows it names.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedModel


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
        REPLY = "reply", _("Reply")
        AUTO_REPLY = "auto_reply", _("Auto-reply")

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.CharField(_("summary"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.ForeignKey(
        "clients.Note", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    message = models.ForeignKey(
        "communications.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    offer = models.ForeignKey(
        "projects.Offer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "projects.Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_request = models.ForeignKey(
        "projects.ChangeRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-occurred_at", "-pk")
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes: ClassVar = [
            models.Index(fields=["client", "-occurred_at"], name="activity_client_time"),
            models.Index(fields=["client", "kind", "-occurred_at"], name="activity_client_kind"),
            # The planners and the dispatcher ask for each client's latest reply.
            models.Index(
                fields=["client", "-occurred_at"],
                name="activity_client_reply",
                condition=models.Q(kind="reply"),
            ),
        ]
        constraints: ClassVar = [
            # One timeline entry per outgoing message, even when two planners overlap.
            models.UniqueConstraint(
                fields=["message"],
                condition=models.Q(kind="message"),
                name="activity_one_per_message",
            ),
        ]

    def __str__(self) -> str:
        return self.summary
