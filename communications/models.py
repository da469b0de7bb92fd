"""The outbox of messages to clients, their templates and the rules for sending them."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import OwnedModel, OwnedQuerySet
from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project


class MessageQuerySet(OwnedQuerySet):
    def due(self, now: datetime.datetime) -> MessageQuerySet:
        """Return the scheduled messages whose send time has come."""
        return self.filter(status=Message.Status.SCHEDULED, send_after__lte=now)

    def withdraw(self, *, reason: str, now: datetime.datetime, owner_id: int | None = None) -> int:
        """Cancel the messages nobody has sent yet (draft, scheduled, held), saying why; return
        how many. Sent ones are history and stay. Safe to run twice. ``owner_id``: the rows
        are known to be one freelancer's (``update_of_owner``)."""
        pending = self.filter(status__in=list(PENDING_STATUSES))
        changes = {"status": Message.Status.CANCELLED, "held_reason": reason, "updated_at": now}
        if owner_id is None:
            return pending.update(**changes)
        return pending.update_of_owner(owner_id, **changes)


class Message(OwnedModel):
    """One outgoing message to a client: the database row is the truth, Celery only sends it."""

    class Kind(models.TextChoices):
        STATUS_UPDATE = "status_update", _("Status update")
        DELAY_NOTICE = "delay_notice", _("Delay notice")
        REMINDER_1 = "reminder_1", _("Payment reminder: friendly note")
        REMINDER_2 = "reminder_2", _("Payment reminder: clear reminder")
        REMINDER_3 = "reminder_3", _("Payment reminder: formal final notice")
        OFFER_SENT = "offer_sent", _("Offer sent")
        OFFER_ACCEPTED = "offer_accepted", _("Offer accepted: confirmation")
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
    # The client's reply that held this message (communications/replies.py). Kept after a
    # release: replies up to this one were read, only a newer one holds the message again.
    held_by_reply = models.ForeignKey(
        "timeline.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by the reply"),
    )
    # What a held message was before (draft or scheduled): releasing it restores that, so a
    # held draft (a final notice above all) still waits for approval.
    held_from = models.CharField(_("held from"), max_length=10, blank=True)
    # Held because the client's relationship is paused (communications/holds.py).
    held_by_pause = models.BooleanField(_("held by the pause"), default=False)
    # Set when the freelancer changes the wording: a planner or an approval re-renders only
    # what nobody edited (a reminder's pay-by date is set afresh on approval).
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # Set (and committed) just before the message goes to the mail server: a row stuck in
    # "sending" with it may have arrived (uncertain); without it nothing went out (requeued).
    handed_at = models.DateTimeField(_("handed off"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    # What to attach when sending, rendered at send time: [{"type": "invoice", "id": 4}, ...]
    # with type one of offer, invoice, reminder_letter (see communications.attachments).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

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
            # The sweeper that turns stale "sending" rows into "uncertain".
            models.Index(
                fields=["claimed_at"],
                name="message_sending_claimed",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["client", "-created_at"], name="message_client_created"),
            models.Index(fields=["client", "sent_at"], name="message_client_sent"),
            models.Index(fields=["owner", "status"], name="message_owner_status"),
            # The messages view: newest first per freelancer (an index scan, not a sort of all).
            models.Index(fields=["owner", "-created_at", "-id"], name="message_owner_recent"),
            # The dashboard's "going out today": one freelancer's scheduled rows by send time.
            models.Index(
                fields=["owner", "send_after", "id"],
                name="message_owner_scheduled",
                condition=models.Q(status="scheduled"),
            ),
            # Messages a pause holds (the client page, the dashboard's paused clients): few.
            models.Index(
                fields=["client"],
                name="message_held_by_pause",
                condition=models.Q(status="held", held_by_pause=True),
            ),
            # Replies are matched to the message they answer by its Message-ID (inbox app).
            models.Index(
                fields=["owner", "message_id"],
                name="message_owner_message_id",
                condition=~models.Q(message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("communications:detail", args=[self.pk])

    @property
    def is_routine(self) -> bool:
        """Return whether the minimum gap between messages applies (not to urgent kinds)."""
        return self.kind in ROUTINE_KINDS

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.HELD}

    def hold_claimed(self, *, reason: str, now: datetime.datetime, **marks: Any) -> bool:
        """Hold this message the dispatcher has claimed, before it is sent; return whether it
        was held. The conditional UPDATE (still ``sending``, still this claim) leaves alone a
        row the sweeper took back meanwhile; the claim's attempt is given back. ``marks``: what
        held it (``held_by_pause``, ``held_by_reply``)."""
        return bool(
            Message.objects.filter(
                pk=self.pk, status=Message.Status.SENDING, claimed_at=self.claimed_at
            ).update_of_owner(
                self.owner_id,
                status=Message.Status.HELD,
                held_from=Message.Status.SCHEDULED,
                held_reason=reason,
                attempts=models.F("attempts") - 1,
                updated_at=now,
                **marks,
            )
        )

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES


# Kinds that wait for the minimum gap; a delay notice and anything the freelancer writes by hand
# (one-off, replies to change requests, offers, invoices) go out without it.
ROUTINE_KINDS = frozenset(
    {
        Message.Kind.STATUS_UPDATE,
        Message.Kind.REMINDER_1,
        Message.Kind.REMINDER_2,
        Message.Kind.REMINDER_3,
        Message.Kind.KEEP_IN_TOUCH,
    }
)
# Messages the planners write on their own: a client's reply or a paused relationship holds
# them. Anything the freelancer wrote or triggered by hand (one-off messages, offers, invoices,
# answers to change requests) is never held.
AUTOMATIC_KINDS = frozenset(
    {
        Message.Kind.STATUS_UPDATE,
        Message.Kind.DELAY_NOTICE,
        Message.Kind.REMINDER_1,
        Message.Kind.REMINDER_2,
        Message.Kind.REMINDER_3,
        Message.Kind.KEEP_IN_TOUCH,
        Message.Kind.WRAP_UP,
    }
)
REMINDER_KINDS = {
    1: Message.Kind.REMINDER_1,
    2: Message.Kind.REMINDER_2,
    3: Message.Kind.REMINDER_3,
}
# Not yet handed to the SMTP server: a planner may still rewrite or cancel these.
PENDING_STATUSES = frozenset({Message.Status.DRAFT, Message.Status.SCHEDULED, Message.Status.HELD})


class ReminderItem(models.Model):
    """One invoice listed in one payment reminder, at one level.

    The unique (invoice, level) constraint is the database's promise that an invoice never gets
    two reminders of the same level, whatever planners race; cancelling a reminder deletes its
    items so the level can be planned again later.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reminder_items")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminder_items")
    level = models.PositiveSmallIntegerField(_("level"))
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("reminder item")
        verbose_name_plural = _("reminder items")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["invoice", "level"], name="reminder_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} @ {self.level}"


class ReminderPause(OwnedModel):
    """A "Mahnstopp": no payment reminders for one invoice or one client, e.g. during a dispute."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="reminder_pauses"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="reminder_pauses"
    )
    reason = models.CharField(_("reason"), max_length=300)
    until_on = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Leave empty to pause until you lift it.")
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("reminder pause")
        verbose_name_plural = _("reminder pauses")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False) | models.Q(invoice__isnull=False),
                name="reminder_pause_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.reason


class SendMode(models.TextChoices):
    AUTOMATIC = "auto", _("Send automatically")
    DRAFT = "draft", _("Draft for my approval")


class NothingNew(models.TextChoices):
    SKIP = "skip", _("Skip the update")
    DRAFT = "draft", _("Write a draft for me to decide")


class CommunicationSettings(OwnedModel):
    """How and when the freelancer's messages go out; defaults apply while no row exists."""

    min_gap_days = models.PositiveSmallIntegerField(
        _("minimum gap between routine messages (days)"),
        default=3,
        validators=[MaxValueValidator(60)],
    )
    quiet_from = models.TimeField(_("quiet hours from"), default=datetime.time(19, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=datetime.time(8, 0))
    send_on_weekends = models.BooleanField(_("send on weekends"), default=False)
    status_update_mode = models.CharField(
        _("status updates"), max_length=5, choices=SendMode.choices, default=SendMode.AUTOMATIC
    )
    nothing_new = models.CharField(
        _("when nothing is new since the last update"),
        max_length=5,
        choices=NothingNew.choices,
        default=NothingNew.SKIP,
    )
    delay_notice_mode = models.CharField(
        _("delay notices"), max_length=5, choices=SendMode.choices, default=SendMode.DRAFT
    )
    reminder_mode = models.CharField(
        _("friendly and clear payment reminders"),
        max_length=5,
        choices=SendMode.choices,
        default=SendMode.DRAFT,
        help_text=_("The formal final notice always waits for your approval."),
    )
    reminder_1_days = models.PositiveSmallIntegerField(
        _("friendly note, days after due"), default=3, validators=[MaxValueValidator(365)]
    )
    reminder_2_days = models.PositiveSmallIntegerField(
        _("clear reminder, days after due"),
        default=14,
        validators=[MaxValueValidator(365)],
        help_text=_("Never before the friendly note was sent, and then the difference later."),
    )
    reminder_3_days = models.PositiveSmallIntegerField(
        _("formal final notice, days after due"),
        default=28,
        validators=[MaxValueValidator(365)],
        help_text=_("Never before the clear reminder was sent, and then the difference later."),
    )
    # Days of grace before the first (friendly) reminder, per relationship: the freelancer
    # decides how much patience each kind of client gets (rules.Rules.grace_for).
    grace_new_days = models.PositiveSmallIntegerField(
        _("grace for new clients (days)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_("Added to the days before the friendly note."),
    )
    grace_regular_days = models.PositiveSmallIntegerField(
        _("grace for regular clients (days)"),
        default=3,
        validators=[MaxValueValidator(90)],
        help_text=_("Added to the days before the friendly note."),
    )
    grace_loyal_days = models.PositiveSmallIntegerField(
        _("grace for loyal clients (days)"),
        default=7,
        validators=[MaxValueValidator(90)],
        help_text=_("Added to the days before the friendly note."),
    )
    keep_in_touch_weeks = models.PositiveSmallIntegerField(
        _("keep in touch, weeks after the last project ended"),
        default=6,
        validators=[MaxValueValidator(104)],
        help_text=_("0 turns keep-in-touch drafts off."),
    )
    reply_pause_days = models.PositiveSmallIntegerField(
        _("after a client's reply, days without payment reminders"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Automatic messages planned in these days wait for you; payment reminders are not "
            "planned at all."
        ),
    )

    class Meta:
        verbose_name = _("communication settings")
        verbose_name_plural = _("communication settings")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner"], name="comm_settings_one_per_owner"),
            models.CheckConstraint(
                condition=models.Q(reminder_1_days__lt=models.F("reminder_2_days"))
                & models.Q(reminder_2_days__lt=models.F("reminder_3_days")),
                name="comm_settings_offsets_rise",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class ClientCommunication(OwnedModel):
    """Per-client exceptions to the freelancer's communication settings (empty = inherit)."""

    # The settings a client may override, each named as on CommunicationSettings and Rules:
    # the form edits these and Rules.with_client applies them.
    OVERRIDE_FIELDS: ClassVar[tuple[str, ...]] = (
        "min_gap_days",
        "quiet_from",
        "quiet_until",
        "send_on_weekends",
        "status_update_mode",
        "delay_notice_mode",
        "reminder_mode",
    )

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="communication_override"
    )
    min_gap_days = models.PositiveSmallIntegerField(
        _("minimum gap (days)"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    send_on_weekends = models.BooleanField(_("send on weekends"), null=True, blank=True)
    status_update_mode = models.CharField(
        _("status updates"), max_length=5, choices=SendMode.choices, blank=True
    )
    delay_notice_mode = models.CharField(
        _("delay notices"), max_length=5, choices=SendMode.choices, blank=True
    )
    reminder_mode = models.CharField(
        _("payment reminders"), max_length=5, choices=SendMode.choices, blank=True
    )

    class Meta:
        verbose_name = _("client communication override")
        verbose_name_plural = _("client communication overrides")

    def __str__(self) -> str:
        return str(self.client)


class MessageTemplate(OwnedModel):
    """A freelancer's own wording for one kind, language and form (overrides the shipped file)."""

    class Form(models.TextChoices):
        FORMAL = "formal", _("Formal (Sie / formal)")
        INFORMAL = "informal", _("Informal (du / casual)")

    kind = models.CharField(_("kind"), max_length=20, choices=Message.Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Client.Language.choices)
    form = models.CharField(_("form of address"), max_length=10, choices=Form.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), max_length=20_000)

    class Meta:
        ordering = ("kind", "language", "form")
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner", "kind", "language", "form"], name="message_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}, {self.form})"
