"""How communications answers the events of the apps below it (connected in ``apps.py``).

Each receiver runs inside the transaction of the service that sent the event, so the message
rows it writes or cancels commit together with the change that caused them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clients import events as client_events
from clients.models import Client
from projects import events as project_events
from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project

from . import holds, services
from .planners.delay_notices import delay_notice_sync
from .planners.reminder_upkeep import reminders_sync_for_invoices


def offer_sent_draft(*, offer: Offer, **kwargs: Any) -> None:
    """Draft the e-mail that carries a sent offer (a draft: the freelancer sends it)."""
    project = offer.project
    services.message_compose(
        kind="offer_sent",
        client=project.client,
        dedupe_key=f"offer_sent:offer:{offer.pk}",
        status="draft",
        project=project,
        offer=offer,
    )


def change_request_reply_draft(
    *, change_request: ChangeRequest, decision: str, **kwargs: Any
) -> None:
    """Draft the reply to a decided change request and keep its text on the request."""
    kind = f"change_{decision}"
    message, _created = services.message_compose(
        kind=kind,
        client=change_request.project.client,
        dedupe_key=f"{kind}:change_request:{change_request.pk}",
        status="draft",
        project=change_request.project,
        change_request=change_request,
    )
    change_request.reply_subject = message.subject[:200]
    change_request.reply_body = message.body_text
    change_request.save(update_fields=["reply_subject", "reply_body", "updated_at"])


def invoice_reminders_sync(*, invoices: list[Invoice], **kwargs: Any) -> None:
    """Cancel the unsent reminders of paid invoices; re-render them after a partial payment."""
    reminders_sync_for_invoices(invoices=invoices)


def cancelled_invoice_reminders_sync(*, invoice: Invoice, **kwargs: Any) -> None:
    """Cancel the unsent reminders and the unsent invoice mails of a cancelled invoice."""
    reminders_sync_for_invoices(invoices=[invoice])
    services.invoice_mails_withdraw(invoice=invoice)


def client_paused_hold(*, client: Client, new: str, **kwargs: Any) -> None:
    """Hold the waiting automatic messages of a client just paused (nothing is released when
    the pause ends: the freelancer decides per message)."""
    if new == Client.Status.PAUSED:
        holds.messages_hold_for_pause(client_ids=[client.pk])


def milestone_delay_sync(*, milestone: Milestone, **kwargs: Any) -> None:
    """Plan, replace or withdraw the milestone's delay notice once the save has committed.

    After the commit, still inside the request: the notice is on the dashboard when the page
    reloads, and a failure to plan it never rolls back the freelancer's edit (the periodic
    planner catches it up).
    """
    milestone_id = milestone.pk
    transaction.on_commit(lambda: delay_notice_sync(milestone_id=milestone_id))


def project_ended(*, project: Project, new: str, **kwargs: Any) -> None:
    """A closed or cancelled project: withdraw what is still planned for it; a closed one gets
    a wrap-up draft (thanks, what was delivered, what was learned, an open door)."""
    if new not in {Project.Status.CLOSED, Project.Status.CANCELLED}:
        return
    services.project_messages_withdraw(project=project)
    if new == Project.Status.CLOSED:
        services.wrap_up_draft(project=project)


def offer_accepted_confirm(*, offer: Offer, new: str, **kwargs: Any) -> None:
    """Confirm an accepted offer to the client: queued at once when the client accepted in the
    portal (they expect an answer), a draft when the freelancer records a yes given elsewhere."""
    if new != Offer.Status.ACCEPTED:
        return
    services.offer_accepted_confirm(offer=offer, automatic=bool(offer.accepted_by_name))


def connect() -> None:
    """Connect the receivers; called once from ``CommunicationsConfig.ready()``."""
    project_events.milestone_changed.connect(
        milestone_delay_sync, dispatch_uid="comms.milestone_changed"
    )
    project_events.project_status_changed.connect(
        project_ended, dispatch_uid="comms.project_status_changed"
    )
    project_events.offer_answered.connect(
        offer_accepted_confirm, dispatch_uid="comms.offer_answered"
    )
    project_events.offer_sent.connect(offer_sent_draft, dispatch_uid="comms.offer_sent")
    client_events.client_status_changed.connect(
        client_paused_hold, dispatch_uid="comms.client_paused"
    )
    project_events.change_request_decided.connect(
        change_request_reply_draft, dispatch_uid="comms.change_request_decided"
    )
    project_events.invoice_payments_recorded.connect(
        invoice_reminders_sync, dispatch_uid="comms.reminders.payment"
    )
    project_events.invoice_cancelled.connect(
        cancelled_invoice_reminders_sync, dispatch_uid="comms.reminders.cancelled"
    )
