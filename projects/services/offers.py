"""Offers: create, edit (a sent offer gets a new version), send, accept, decline, expire.

An offer row is one version of a numbered offer (``A-2026-007 v2``). Sending freezes it; after
that it never changes: an edit becomes the next draft version, which supersedes the sent one
when it is sent in turn. ``offer_accept`` is the one acceptance, for the freelancer's button and
for the client portal alike.
"""

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

from .. import documents, events
from ..models import NumberSequence, Offer, OfferLine, Project
from ..models.lines import LINE_FIELDS
from ..selectors.project import project_pricing_lines
from . import ProjectError
from .lines import LineEdit, draft_update
from .numbering import number_next
from .project import project_set_status

Status = Offer.Status


class OfferNotAcceptable(ProjectError):
    """The offer cannot be accepted; ``reason`` names why (the portal words it for the client)."""

    ALREADY_ACCEPTED = "already_accepted"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    NOT_OPEN = "not_open"

    def __init__(self, message: str, *, reason: str, offer: Offer) -> None:
        super().__init__(message)
        self.reason = reason
        self.offer = offer


@transaction.atomic
def offer_create(*, project: Project, actor: Any, today: datetime.date | None = None) -> Offer:
    """Create offer v1 with a new number, default texts in the client's tone and project lines.

    Not idempotent: each call draws the next number of the year.
    """
    today = today or timezone.localdate()
    number = number_next(owner=project.owner, kind=NumberSequence.Kind.OFFER, year=today.year)
    texts = documents.default_texts(client=project.client, project_title=project.title)
    offer = Offer.objects.create(
        owner=project.owner,
        project=project,
        number=f"A-{today.year}-{number:03d}",
        version=1,
        issued_on=today,
        valid_until=today + datetime.timedelta(days=30),
        intro_text=texts["intro"],
        closing_text=texts["closing"],
    )
    OfferLine.objects.bulk_create(
        OfferLine(offer=offer, position=index, **line)
        for index, line in enumerate(project_pricing_lines(project), start=1)
    )
    audit_record(owner=offer.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=offer)
    return offer


@transaction.atomic
def offer_new_version(*, offer: Offer, actor: Any, today: datetime.date | None = None) -> Offer:
    """Copy a sent offer into a new draft version (v+1) with the same number and lines.

    Safe to run twice: while a draft version of the number exists, that draft is returned.
    """
    today = today or timezone.localdate()
    existing_draft = (
        Offer.objects.filter(owner=offer.owner, number=offer.number, status=Status.DRAFT)
        .order_by("-version")
        .first()
    )
    if existing_draft is not None:
        return existing_draft
    latest = Offer.objects.filter(owner=offer.owner, number=offer.number).aggregate(Max("version"))
    new = Offer.objects.create(
        owner=offer.owner,
        project=offer.project,
        number=offer.number,
        version=(latest["version__max"] or offer.version) + 1,
        issued_on=today,
        valid_until=max(offer.valid_until, today + datetime.timedelta(days=14)),
        intro_text=offer.intro_text,
        closing_text=offer.closing_text,
    )
    OfferLine.objects.bulk_create(
        OfferLine(offer=new, **{name: getattr(line, name) for name in LINE_FIELDS})
        for line in offer.lines.all()
    )
    audit_record(
        owner=new.owner,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=new,
        changes={"version": [offer.version, new.version]},
    )
    return new


@transaction.atomic
def offer_update(
    *, offer: Offer, fields: dict[str, Any], lines: list[LineEdit], actor: Any
) -> Offer:
    """Save an edit of the offer's dates, texts and lines; return the offer that holds it.

    A draft changes in place. A sent offer never changes: the edit becomes its next draft
    version (or goes into the draft version that exists already), holding exactly the edited
    lines, and the sent one stays valid until the new version is sent. Audited. Safe to run
    twice: the second call writes the same content into the same offer (or draft version).
    """
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    target = locked
    if locked.is_frozen:
        target = offer_new_version(offer=locked, actor=actor)
        target.lines.all().delete()
        lines = [LineEdit(values=edit.values) for edit in lines if not edit.delete]
    draft_update(document=target, fields=fields, lines=lines, actor=actor)
    return target


@transaction.atomic
def offer_send(*, offer: Offer, actor: Any, now: datetime.datetime | None = None) -> Offer:
    """Freeze the offer (snapshot, PDF), mark it sent, supersede older versions; lead -> offered.

    The apps above draft the e-mail on ``events.offer_sent``. Refuses an offer sent already (so
    a second call changes nothing) or one without lines.
    """
    now = now or timezone.now()
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != Status.DRAFT:
        raise ProjectError(_("This offer was already sent; edit it to create a new version."))
    if not locked.lines.exists():
        raise ProjectError(_("An offer needs at least one line item before it can be sent."))
    snapshot = documents.offer_snapshot(locked)
    locked.snapshot = snapshot
    locked.total_net = Decimal(snapshot["totals"]["net"])
    locked.total_gross = Decimal(snapshot["totals"]["gross"])
    locked.status = Status.SENT
    locked.sent_at = now
    locked.save()
    # Rendered once, here: a document that cannot render is never sent (the transaction ends).
    documents.document_freeze(offer=locked)
    Offer.objects.filter(
        owner=locked.owner,
        number=locked.number,
        version__lt=locked.version,
        status__in=[Status.SENT, Status.DRAFT, Status.EXPIRED],
    ).update(status=Status.SUPERSEDED, updated_at=now)
    project = locked.project
    if project.status == Project.Status.LEAD:
        project_set_status(project=project, status=Project.Status.OFFERED, actor=actor)
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": ["draft", "sent"]},
    )
    activity_record(
        client=project.client,
        kind="offer",
        summary=_("Offer %(offer)s sent") % {"offer": str(locked)},
        project=project,
        offer=locked,
    )
    events.offer_sent.send(sender=Offer, offer=locked, actor=actor)
    return locked


def _acceptance_refusal(
    offer: Offer, *, version: int | None, today: datetime.date, late: bool = False
) -> str:
    """Return why the (locked) offer cannot be accepted, as an OfferNotAcceptable reason, or "".

    ``late``: the freelancer records an acceptance the client gave after the offer's validity
    (by phone, by mail); only the portal holds the client to the date.
    """
    if offer.status == Status.DRAFT:
        return OfferNotAcceptable.NOT_OPEN
    if offer.status == Status.ACCEPTED:
        return OfferNotAcceptable.ALREADY_ACCEPTED
    newer = (
        Offer.objects.filter(owner_id=offer.owner_id, number=offer.number)
        .filter(version__gt=offer.version)
        .exclude(status=Status.DRAFT)
    )
    if (
        offer.status == Status.SUPERSEDED
        or (version is not None and version != offer.version)
        or newer.exists()
    ):
        return OfferNotAcceptable.SUPERSEDED
    if not late and (offer.status == Status.EXPIRED or offer.valid_until < today):
        return OfferNotAcceptable.EXPIRED
    if offer.status not in {Status.SENT, Status.EXPIRED}:
        return OfferNotAcceptable.NOT_OPEN
    return ""


def _refusal_message(reason: str, offer: Offer) -> str:
    if reason == OfferNotAcceptable.ALREADY_ACCEPTED:
        return _("This offer is accepted already.")
    if reason == OfferNotAcceptable.SUPERSEDED:
        return _("A newer version of this offer was sent; only that one can be accepted.")
    if reason == OfferNotAcceptable.EXPIRED:
        return _("This offer was valid until %(date)s; send a new version to accept it.") % {
            "date": offer.valid_until.isoformat()
        }
    return _("Only a sent offer can be accepted, declined or expire (this one is “%(s)s”).") % {
        "s": offer.get_status_display()
    }


def _acceptance_record(offer: Offer, *, old: str, actor: Any, now: datetime.datetime) -> None:
    """Write the audit entry and the timeline entry of an acceptance (who, from where, which)."""
    name, ip = offer.accepted_by_name, offer.accepted_ip
    changes: dict[str, Any] = {"status": [old, Status.ACCEPTED]}
    if name:
        changes |= {"accepted_by_name": [None, name], "accepted_ip": [None, ip]}
    changes["version"] = [None, offer.version]
    audit_record(
        owner=offer.owner, actor=actor, action=AuditEntry.Action.STATUS, obj=offer, changes=changes
    )
    if name:
        summary = _("Offer %(offer)s accepted in the client portal by %(name)s") % {
            "offer": str(offer),
            "name": name,
        }
    else:
        summary = _("Offer %(offer)s: %(status)s") % {
            "offer": str(offer),
            "status": Status.ACCEPTED.label,
        }
    activity_record(
        client=offer.project.client,
        kind="offer",
        summary=summary,
        detail=f"IP: {ip or '-'}" if name else "",
        occurred_at=now,
        project=offer.project,
        offer=offer,
    )


@transaction.atomic
def offer_accept(
    *,
    offer: Offer,
    actor: Any,
    version: int | None = None,
    accepted_by_name: str = "",
    accepted_ip: str | None = None,
    late: bool = False,
    now: datetime.datetime | None = None,
) -> Offer:
    """Accept a sent offer: the one acceptance, for the freelancer's button and the client portal.

    Locks the offer row (a double click or two tabs accept once) and raises OfferNotAcceptable,
    changing nothing, for an offer accepted already, an old or superseded version (``version``:
    the one the client was shown), an expired offer (``valid_until`` passed) or one not sent.
    Records ``accepted_at`` and, from the portal, the client's typed name and IP; writes the audit
    entry and the timeline; moves a lead or offered project to active; sends
    ``events.offer_answered``. A second call raises ALREADY_ACCEPTED: nothing is accepted twice.
    ``late=True`` (the freelancer's button only) accepts an offer past its validity.
    """
    now = now or timezone.now()
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    old = locked.status
    reason = _acceptance_refusal(locked, version=version, today=timezone.localdate(now), late=late)
    if reason:
        raise OfferNotAcceptable(_refusal_message(reason, locked), reason=reason, offer=locked)
    locked.status = Status.ACCEPTED
    locked.accepted_at = now
    locked.accepted_by_name = accepted_by_name
    locked.accepted_ip = accepted_ip
    locked.save(
        update_fields=["status", "accepted_at", "accepted_by_name", "accepted_ip", "updated_at"]
    )
    _acceptance_record(locked, old=old, actor=actor, now=now)
    project = locked.project
    if project.status in {Project.Status.LEAD, Project.Status.OFFERED}:
        project_set_status(project=project, status=Project.Status.ACTIVE, actor=actor)
    events.offer_answered.send(
        sender=Offer, offer=locked, old=old, new=Status.ACCEPTED, actor=actor
    )
    return locked


@transaction.atomic
def offer_set_status(*, offer: Offer, status: str, actor: Any) -> Offer:
    """Record the client's answer as the freelancer reports it, or the offer's expiry.

    Accepted goes through ``offer_accept``; declined and expired are recorded here. Only a sent
    offer can be answered. Safe to run twice: an offer already in ``status`` is left as it is.
    """
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == status:
        return locked
    if status == Status.ACCEPTED:
        # The freelancer reports the client's yes: a late one counts (the portal's does not).
        return offer_accept(offer=locked, actor=actor, late=True)
    if locked.status != Status.SENT or status not in {Status.DECLINED, Status.EXPIRED}:
        raise ProjectError(
            _("Only a sent offer can be accepted, declined or expire (this one is “%(s)s”).")
            % {"s": locked.get_status_display()}
        )
    locked.status = status
    if status == Status.DECLINED:
        locked.declined_at = timezone.now()
    locked.save()
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [Status.SENT, status]},
    )
    activity_record(
        client=locked.project.client,
        kind="offer",
        summary=_("Offer %(offer)s: %(status)s")
        % {"offer": str(locked), "status": Status(status).label},
        project=locked.project,
        offer=locked,
    )
    events.offer_answered.send(sender=Offer, offer=locked, old=Status.SENT, new=status, actor=actor)
    return locked


def offers_expire(*, today: datetime.date) -> int:
    """Mark sent offers whose validity ended before ``today`` as expired; safe to run twice.

    One conditional UPDATE: an offer accepted or declined in the meantime no longer matches
    ``status = 'sent'`` and is left alone. Returns the number of offers expired.
    """
    return Offer.objects.filter(status=Status.SENT, valid_until__lt=today).update(
        status=Status.EXPIRED, updated_at=timezone.now()
    )
