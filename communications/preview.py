"""Context for the live preview of a template: the chosen client's real data where it exists."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from clients.models import Client
from projects.models import ChangeRequest, Invoice, Offer, Project

from .context import message_context, milestone_context, wrap_up_context
from .planners.reminder_upkeep import PAY_WITHIN_DAYS


def preview_context(*, client: Client, kind: str) -> dict[str, Any]:
    """Return a template context for ``client`` built from their latest project and invoices."""
    today = timezone.localdate()
    project = Project.objects.filter(client=client).order_by("-created_at").first()
    milestones = list(project.milestones.all()) if project else []
    invoices = list(Invoice.objects.filter(client=client).unpaid().order_by("due_on")[:5])
    done = [m for m in milestones if m.done_on][-3:]
    upcoming = [m for m in milestones if not m.done_on][:3]
    slipped = next((m for m in milestones if m.state_on(today) in ("late", "at_risk")), None)
    level = int(kind[-1]) if kind.startswith("reminder_") else None
    # A reminder of level n follows n - 1 sent ones: show example dates of those.
    reminders_sent = [
        today - datetime.timedelta(days=14 * step) for step in range((level or 1) - 1, 0, -1)
    ]
    context = message_context(
        client=client,
        today=today,
        project=project,
        milestones=milestones,
        done_milestones=done,
        next_milestones=upcoming,
        milestone=slipped or (upcoming[0] if upcoming else None),
        invoice=invoices[0] if invoices else None,
        invoices=invoices,
        level=level,
        reminders_sent=reminders_sent,
        pay_by=today + datetime.timedelta(days=PAY_WITHIN_DAYS[level])
        if level in PAY_WITHIN_DAYS
        else None,
        offer=Offer.objects.filter(project__client=client).order_by("-pk").first(),
        change_request=ChangeRequest.objects.filter(project__client=client).order_by("-pk").first(),
        body="(Your text)" if client.language == "en" else "(Ihr Text)",
    )
    context["at_risk_milestones"] = [
        milestone_context(m, client.language, today)
        for m in milestones
        if m.state_on(today) in ("late", "at_risk")
    ]
    context["is_first_update"] = (
        not project or not project.messages.filter(kind="status_update").exists()
    )
    if project is not None:
        context["wrap_up"] = wrap_up_context(project, client.language)
    return context
