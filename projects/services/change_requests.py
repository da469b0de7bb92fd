"""Change requests: log what the client asked for, then accept it (in scope, maybe a new offer
version) or decline it with an alternative. The reply is drafted by the apps above, on
``events.change_request_decided``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audit_record
from crm.models import AuditEntry
from timeline.services import activity_record

from .. import events
from ..models import ChangeRequest, OfferLine, Project, ScopeItem
from . import ProjectError
from .offers import offer_new_version
from .scope import scope_item_add


@transaction.atomic
def change_request_log(*, change_request: ChangeRequest, actor: Any) -> ChangeRequest:
    """Save a new (open) change request, audited and on the timeline. Not idempotent.

    One asked for in the client portal (``source`` portal) is noted as such, with its details.
    """
    change_request.owner_id = change_request.project.owner_id
    change_request.save()
    audit_record(
        owner=change_request.project.owner,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=change_request,
    )
    from_portal = change_request.source == ChangeRequest.Source.PORTAL
    summary = (
        _("Change requested in the client portal: %(title)s")
        if from_portal
        else _("Change request: %(title)s")
    )
    activity_record(
        client=change_request.project.client,
        kind="change_request",
        summary=summary % {"title": change_request.title},
        detail=change_request.description if from_portal else "",
        project=change_request.project,
        change_request=change_request,
    )
    return change_request


def _decide(change_request: ChangeRequest) -> ChangeRequest:
    """Return the locked change request; refuse one that was decided already."""
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != ChangeRequest.Status.OPEN:
        raise ProjectError(_("This change request has already been decided."))
    return locked


def _offer_amend(*, project: Project, title: str, price: Decimal, actor: Any) -> None:
    """Add the accepted change as a line to the project's latest offer (a new draft version if
    that one was sent already); no offer, nothing to amend."""
    latest = project.offers.order_by("-version", "-pk").first()
    if latest is None:
        return
    draft = latest if not latest.is_frozen else offer_new_version(offer=latest, actor=actor)
    OfferLine.objects.create(
        offer=draft,
        position=(draft.lines.aggregate(Max("position"))["position__max"] or 0) + 1,
        description=title[:500],
        quantity=Decimal(1),
        unit="pauschal" if project.client.language == "de" else "flat",
        unit_price=price,
        vat_rate=Decimal(0) if project.is_vat_exempt else project.vat_rate,
    )


@transaction.atomic
def change_request_accept(
    *,
    change_request: ChangeRequest,
    price: Decimal | None,
    deadline_impact_days: int,
    amend_offer: bool,
    actor: Any,
) -> ChangeRequest:
    """Accept: add an in-scope item, move the deadline, optionally amend the offer; audited.

    Refuses a request decided already (the row is locked, so two decisions cannot both win).
    """
    cr = _decide(change_request)
    project = cr.project
    cr.status = ChangeRequest.Status.ACCEPTED
    cr.price = price
    cr.deadline_impact_days = deadline_impact_days
    cr.decided_at = timezone.now()
    cr.save()
    scope_item_add(
        item=ScopeItem(
            project=project, is_in_scope=True, title=cr.title[:200], description=cr.description
        ),
        actor=actor,
    )
    if deadline_impact_days and project.deadline_on:
        project.deadline_on += datetime.timedelta(days=deadline_impact_days)
        project.save(update_fields=["deadline_on", "updated_at"])
    if amend_offer and price:
        _offer_amend(project=project, title=cr.title, price=price, actor=actor)
    audit_record(
        owner=cr.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=cr,
        changes={"status": ["open", "accepted"], "price": [None, str(price)]},
    )
    activity_record(
        client=project.client,
        kind="change_request",
        summary=_("Change request accepted: %(title)s") % {"title": cr.title},
        project=project,
        change_request=cr,
    )
    events.change_request_decided.send(
        sender=ChangeRequest, change_request=cr, decision="accepted", actor=actor
    )
    return cr


@transaction.atomic
def change_request_decline(
    *, change_request: ChangeRequest, alternative: str, actor: Any
) -> ChangeRequest:
    """Decline politely: an alternative is required; audited. Refuses a decided request."""
    if not alternative.strip():
        raise ProjectError(_("A polite no always offers an alternative: please describe one."))
    cr = _decide(change_request)
    cr.status = ChangeRequest.Status.DECLINED
    cr.alternative = alternative.strip()
    cr.decided_at = timezone.now()
    cr.save()
    audit_record(
        owner=cr.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=cr,
        changes={"status": ["open", "declined"]},
    )
    activity_record(
        client=cr.project.client,
        kind="change_request",
        summary=_("Change request declined with an alternative: %(title)s") % {"title": cr.title},
        project=cr.project,
        change_request=cr,
    )
    events.change_request_decided.send(
        sender=ChangeRequest, change_request=cr, decision="declined", actor=actor
    )
    return cr
