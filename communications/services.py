"""Services of the communications app: the outbox of messages to clients.

Apps above communications create and change messages only through these functions
(``from communications import services as comms``); apps below it publish events that
``communications.receivers`` answers.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from timeline.models import Activity
from timeline.services import activity_record

from . import holds
from .context import message_context, wrap_up_context
from .models import PENDING_STATUSES, REMINDER_KINDS, Message, ReminderItem
from .outbox import NO_EMAIL, held_reason_for, message_build, message_insert
from .planners.base import last_contacts
from .planners.reminder_upkeep import reminders_rerender
from .rendering import html_from_text, message_render
from .rules import rules_for, send_time

logger = logging.getLogger(__name__)


def message_approve(*, message: Message, send_after: datetime.datetime | None = None) -> Message:
    """Turn a draft into a scheduled message (the dispatcher sends it). Safe to run twice.

    Without ``send_after`` it goes at the next moment the rules allow (quiet hours, weekends, and
    for routine kinds the minimum gap); the dispatcher is nudged once the transaction commits.
    """
    now = timezone.now()
    # A draft rescheduled for later keeps its time; the rules still apply on top of it.
    earliest = max(now, message.send_after) if message.send_after else now
    when = send_after or message_send_time(message=message, now=earliest)
    is_reminder = message.kind in REMINDER_KINDS.values()
    if is_reminder and message.status == Message.Status.DRAFT and message.edited_at is None:
        # The pay-by date and the reminders sent so far are written for the day it goes out.
        reminders_rerender(Message.objects.filter(pk=message.pk), now=when)
        message.refresh_from_db()
    paused = holds.pause_holds(message.client, message.kind)
    held_reason = str(holds.PAUSED_REASON) if paused else held_reason_for(message.client.email)
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.DRAFT).update_of_owner(
        message.owner_id,
        status=Message.Status.HELD if held_reason else Message.Status.SCHEDULED,
        # Approved: a release later sends it without asking again.
        held_from=Message.Status.SCHEDULED if held_reason else "",
        held_by_pause=paused,
        send_after=when,
        to=message.client.email,
        held_reason=held_reason,
        updated_at=now,
    )
    if updated:
        message.refresh_from_db()
        dispatch_soon()
    return message


def message_send_time(*, message: Message, now: datetime.datetime) -> datetime.datetime:
    """Return when ``message`` may go out under its freelancer's and client's rules."""
    rules = rules_for(message.owner_id, message.client_id)
    last = last_contacts([message.client_id]).get(message.client_id)
    return send_time(rules=rules, now=now, last_contact_at=last, urgent=not message.is_routine)


BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = [0.0]


def dispatch_soon() -> None:
    """Ask a worker to run the dispatcher after commit; a dead broker only delays the mail.

    The beat sweep picks the message up anyway, so a broker error is logged, never raised: the
    web request (approving a draft) must succeed while Redis is down.
    """

    def enqueue() -> None:
        from .tasks import dispatch_messages

        # After a broker failure, skip the nudge for a while: each attempt against a dead
        # Redis costs the request about two seconds, and the beat sweep sends the mail anyway.
        if time.monotonic() < _broker_down_until[0]:
            return
        try:
            dispatch_messages.apply_async(retry=False, ignore_result=True)
        except Exception:  # kombu raises several types for a dead broker
            _broker_down_until[0] = time.monotonic() + BROKER_BACKOFF_SECONDS
            logger.warning("Could not reach the Celery broker; beat will send later", exc_info=True)

    transaction.on_commit(enqueue)


def _attachments(kind: str, links: dict[str, Any]) -> list[dict[str, Any]]:
    if kind == Message.Kind.OFFER_SENT and links.get("offer") is not None:
        return [{"type": "offer", "id": links["offer"].pk}]
    if kind == Message.Kind.INVOICE_SENT and links.get("invoice") is not None:
        return [{"type": "invoice", "id": links["invoice"].pk}]
    return []


def _compose_context(
    client: Client, links: dict[str, Any], *, body: str, extra_context: dict[str, Any] | None
) -> dict[str, Any]:
    """Return the template context of a composed message: the client, what ``links`` name
    (the project with its milestones and the next three), the body and ``extra_context``."""
    project = links.get("project")
    milestones = list(project.milestones.all()) if project is not None else None
    upcoming = sorted((m for m in milestones or () if not m.done_on), key=lambda m: m.expected_on)
    context = message_context(
        client=client,
        today=timezone.localdate(),
        project=project,
        milestones=milestones,
        next_milestones=upcoming[:3],
        milestone=links.get("milestone"),
        invoice=links.get("invoice"),
        offer=links.get("offer"),
        change_request=links.get("change_request"),
        body=body,
    )
    context.update(extra_context or {})
    return context


def message_compose(
    *,
    kind: str,
    client: Client,
    dedupe_key: str,
    status: str = Message.Status.DRAFT,
    send_after: datetime.datetime | None = None,
    body: str = "",
    subject: str = "",
    extra_context: dict[str, Any] | None = None,
    **links: Any,
) -> tuple[Message, bool]:
    """Write a message of ``kind`` to ``client`` from the message templates and queue it.

    ``links`` name what it is about (project, invoice, milestone, offer, change_request); they
    feed the template context and are stored on the row; an offer or invoice is attached as PDF
    when sent. ``extra_context`` adds kind-specific values (a wrap-up's facts). The row and its
    timeline entry are inserted through the outbox. Safe to run twice (dedupe key).
    """
    existing = Message.objects.filter(owner_id=client.owner_id, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    context = _compose_context(client, links, body=body, extra_context=extra_context)
    tone = client.tone
    rendered = message_render(
        owner_id=client.owner_id, kind=kind, language=tone.language, form=tone.form, context=context
    )
    if subject:
        rendered = replace(rendered, subject=subject)
    message = message_build(
        client=client,
        kind=kind,
        dedupe_key=dedupe_key,
        rendered=rendered,
        status=status,
        send_after=send_after,
        attachments=_attachments(kind, links),
        **links,
    )
    if message.status == Message.Status.SCHEDULED and message.send_after is None:
        message.send_after = timezone.now()
    message, created = message_insert(message)
    if created and message.status == Message.Status.SCHEDULED:
        dispatch_soon()
    return message, created


def message_edit(*, message: Message, subject: str, body_text: str) -> Message:
    """Change the wording of an unsent draft or held message (HTML follows the text).

    Safe to run twice; refused once the message went out.
    """
    subject = " ".join(subject.split())[:300]
    updated = Message.objects.filter(
        pk=message.pk, status__in=[Message.Status.DRAFT, Message.Status.HELD]
    ).update_of_owner(
        message.owner_id,
        subject=subject,
        body_text=body_text,
        body_html=html_from_text(body_text, subject=subject, language=message.client.language),
        edited_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise MessageStateError(_("Only drafts and held messages can be edited."))
    message.refresh_from_db()
    return message


class MessageStateError(ValueError):
    """The message is no longer in a state that allows this action (e.g. already sent)."""


def message_reschedule(*, message: Message, send_after: datetime.datetime) -> Message:
    """Set a new send time for a draft or scheduled message (a draft stays a draft); safe twice."""
    updated = Message.objects.filter(
        pk=message.pk, status__in=[Message.Status.DRAFT, Message.Status.SCHEDULED]
    ).update_of_owner(message.owner_id, send_after=send_after, updated_at=timezone.now())
    if not updated:
        raise MessageStateError(_("Only drafts and scheduled messages can be rescheduled."))
    message.refresh_from_db()
    return message


def message_cancel(*, message: Message) -> Message:
    """Cancel a message that has not gone out yet; safe to run twice."""
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, status__in=list(PENDING_STATUSES)
        ).update_of_owner(
            message.owner_id, status=Message.Status.CANCELLED, updated_at=timezone.now()
        )
        if updated:
            # The invoices may be reminded again at this level later, by a new message.
            ReminderItem.objects.filter(message_id=message.pk).delete()
    if not updated and message.status != Message.Status.CANCELLED:
        raise MessageStateError(_("This message has already gone out."))
    message.refresh_from_db()
    return message


def message_retry(*, message: Message) -> Message:
    """Queue a failed message again now (attempts start over); a held one is released
    (``message_release``). Safe to run twice."""
    if message.status == Message.Status.HELD:
        return message_release(message=message)
    client_email = message.client.email
    held_reason = held_reason_for(client_email)
    if held_reason:
        raise MessageStateError(held_reason)
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update_of_owner(
        message.owner_id,
        status=Message.Status.SCHEDULED,
        send_after=timezone.now(),
        attempts=0,
        to=client_email,
        held_reason="",
        updated_at=timezone.now(),
    )
    if not updated:
        raise MessageStateError(_("Only failed or held messages can be retried."))
    message.refresh_from_db()
    dispatch_soon()
    return message


def message_resend(*, message: Message) -> Message:
    """Send an uncertain message again, on the freelancer's explicit decision. Not automatic."""
    updated = Message.objects.filter(
        pk=message.pk, status=Message.Status.UNCERTAIN
    ).update_of_owner(
        message.owner_id,
        status=Message.Status.SCHEDULED,
        send_after=timezone.now(),
        attempts=0,
        last_error="",
        updated_at=timezone.now(),
    )
    if not updated:
        raise MessageStateError(_("Only uncertain messages can be resent."))
    message.refresh_from_db()
    activity_record(
        client=message.client,
        kind=Activity.Kind.MESSAGE,
        summary=_("Resent by hand: %(subject)s") % {"subject": message.subject},
        detail="",
    )
    dispatch_soon()
    return message


def message_write_one_off(
    *,
    client: Client,
    subject: str,
    body: str,
    send: bool,
    project: Any = None,
) -> Message:
    """Create a one-off message written by hand: a draft, or scheduled at once if ``send``.

    Not idempotent: every call writes a new message.
    """
    message, _created = message_compose(
        kind=Message.Kind.ONE_OFF,
        client=client,
        dedupe_key=f"one_off:{uuid.uuid4().hex}",
        status=Message.Status.DRAFT,
        body=body,
        subject=subject,
        project=project,
    )
    if send:
        message = message_approve(message=message)
    return message


def message_release(*, message: Message) -> Message:
    """Release a held message (held by a reply, a pause or a missing address). Safe twice.

    It becomes what it was before the hold (``held_from``): a held draft is a draft again and
    waits for approval (a final notice is never sent without it); an approved one goes at its
    next allowed moment. Refused while the client has no address or is still paused (an
    automatic message). It keeps ``held_by_reply``: the dispatcher holds it again only for a
    newer reply (communications/replies.py).
    """
    now = timezone.now()
    if not message.client.email:
        raise MessageStateError(str(NO_EMAIL))
    if holds.pause_holds(message.client, message.kind):
        raise MessageStateError(str(holds.STILL_PAUSED))
    held = Message.objects.filter(pk=message.pk, status=Message.Status.HELD)
    if message.held_from == Message.Status.DRAFT:
        updated = held.update_of_owner(
            message.owner_id,
            status=Message.Status.DRAFT,
            to=message.client.email,
            held_reason="",
            held_from="",
            held_by_pause=False,
            updated_at=now,
        )
    else:
        earliest = max(now, message.send_after) if message.send_after else now
        updated = held.update_of_owner(
            message.owner_id,
            status=Message.Status.SCHEDULED,
            send_after=message_send_time(message=message, now=earliest),
            to=message.client.email,
            held_reason="",
            held_from="",
            held_by_pause=False,
            attempts=0,
            updated_at=now,
        )
    if not updated:
        raise MessageStateError(_("This message is no longer held."))
    message.refresh_from_db()
    if message.status == Message.Status.SCHEDULED:
        dispatch_soon()
    return message


def project_messages_withdraw(*, project: Any) -> int:
    """Cancel the unsent status updates and delay notices of a closed or cancelled project.

    Nothing more is said about a project that ended, except its wrap-up. Safe to run twice;
    returns how many messages were withdrawn.
    """
    return Message.objects.filter(
        project_id=project.pk, kind__in=[Message.Kind.STATUS_UPDATE, Message.Kind.DELAY_NOTICE]
    ).withdraw(
        reason="Withdrawn: the project has ended.", now=timezone.now(), owner_id=project.owner_id
    )


def invoice_mails_withdraw(*, invoice: Any) -> int:
    """Cancel the unsent mails of a cancelled invoice: a client never gets "here is your
    invoice" for one that no longer stands. Safe to run twice; returns how many were withdrawn.
    """
    return Message.objects.filter(invoice_id=invoice.pk, kind=Message.Kind.INVOICE_SENT).withdraw(
        reason="Withdrawn: the invoice was cancelled.",
        now=timezone.now(),
        owner_id=invoice.owner_id,
    )


def wrap_up_draft(*, project: Any) -> Message:
    """Draft the wrap-up of a closed project in the client's tone: thanks, what was delivered,
    what was learned, an open door. Always a draft. Safe to run twice (one per project)."""
    client = project.client
    message, _created = message_compose(
        kind=Message.Kind.WRAP_UP,
        client=client,
        dedupe_key=f"wrap_up:project:{project.pk}",
        status=Message.Status.DRAFT,
        extra_context={"wrap_up": wrap_up_context(project, client.language)},
        project=project,
    )
    return message


def offer_accepted_confirm(*, offer: Any, automatic: bool) -> Message:
    """Confirm an accepted offer to the client through the outbox; safe to run twice.

    ``automatic``: scheduled at the next moment the rules allow (the client accepted in the
    portal and waits for an answer); else a draft for the freelancer to send.
    """
    project = offer.project
    message, created = message_compose(
        kind=Message.Kind.OFFER_ACCEPTED,
        client=project.client,
        dedupe_key=f"offer_accepted:offer:{offer.pk}",
        status=Message.Status.DRAFT,
        project=project,
        offer=offer,
    )
    if created and automatic:
        message = message_approve(message=message)
    return message
