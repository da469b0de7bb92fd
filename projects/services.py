"""Services of the projects app: status changes, scope, revisions, change requests, offers,
invoices and the gap-free number sequences.

Views, tasks, demo data and tests call these functions; they write the rows, the audit log and
the client's timeline, and queue messages through ``communications.services``. A rule that is
broken raises ``ProjectError`` with a message fit for the freelancer's eyes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from communications import services as comms
from crm.audit import audit_changes, audit_record, audit_snapshot
from crm.models import AuditEntry

from . import documents, events
from .models import (
    ChangeRequest,
    Invoice,
    InvoiceLine,
    Milestone,
    NumberSequence,
    Offer,
    OfferLine,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)

Status = Project.Status


class ProjectError(Exception):
    """A business rule said no; the message is shown to the freelancer as it is."""


# Which status may follow which. Closed and cancelled projects can be reopened as leads only
# through a new project; delivered work can go back to active for fixes.
TRANSITIONS: dict[str, set[str]] = {
    Status.LEAD: {Status.OFFERED, Status.ACTIVE, Status.CANCELLED},
    Status.OFFERED: {Status.LEAD, Status.ACTIVE, Status.CANCELLED},
    Status.ACTIVE: {Status.ON_HOLD, Status.DELIVERED, Status.CANCELLED},
    Status.ON_HOLD: {Status.ACTIVE, Status.CANCELLED},
    Status.DELIVERED: {Status.ACTIVE, Status.CLOSED},
    Status.CLOSED: set(),
    Status.CANCELLED: set(),
}


def _activity(project: Project, summary: str, kind: str = "status", **links: Any) -> None:
    comms.activity_record(
        client=project.client, kind=kind, summary=summary, project=project, **links
    )


# ---------------------------------------------------------------------------------------------
# Projects


def project_defaults(*, user: Any, client: Client | None = None) -> dict[str, Any]:
    """Return initial form values from the profile and the client (VAT, terms, cadence)."""
    profile = user.profile_or_default
    initial: dict[str, Any] = {
        "currency": profile.default_currency,
        "is_vat_exempt": profile.is_small_business,
        "vat_rate": Decimal(0) if profile.is_small_business else Decimal("19.00"),
    }
    if client is not None:
        initial.update(
            client=client,
            payment_terms_days=client.payment_terms_days,
            update_cadence=client.update_cadence,
        )
    return initial


@transaction.atomic
def project_create(*, project: Project, actor: Any) -> Project:
    """Save a new project (owner = actor), with audit and timeline entries. Not idempotent."""
    project.owner = actor
    if project.is_vat_exempt:
        project.vat_rate = Decimal(0)
    project.save()
    audit_record(owner=actor, actor=actor, action=AuditEntry.Action.CREATE, obj=project)
    _activity(project, _("Project created: %(title)s") % {"title": project.title})
    return project


@transaction.atomic
def project_update(*, project: Project, before: dict[str, Any], actor: Any) -> Project:
    """Save the edited project and audit what changed. Safe to run twice."""
    if project.is_vat_exempt:
        project.vat_rate = Decimal(0)
    project.save()
    changes = audit_changes(before, audit_snapshot(project))
    changes.pop("updated_at", None)
    if changes:
        audit_record(
            owner=project.owner,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=project,
            changes=changes,
        )
    return project


def edit_record(*, obj: Any, before: dict[str, Any], actor: Any, lines_changed: bool) -> None:
    """Audit the edit of a draft offer or invoice (fields that changed, and whether lines did)."""
    changes = audit_changes(before, audit_snapshot(obj))
    changes.pop("updated_at", None)
    if lines_changed:
        changes["lines"] = ["…", "changed"]
    if changes:
        audit_record(
            owner=obj.owner, actor=actor, action=AuditEntry.Action.UPDATE, obj=obj, changes=changes
        )


@transaction.atomic
def project_set_status(
    *, project: Project, status: str, actor: Any, today: datetime.date | None = None
) -> Project:
    """Move the project to ``status`` if the transition is allowed; audit it. Idempotent."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.status == status:
        return locked
    if status not in TRANSITIONS.get(locked.status, set()):
        raise ProjectError(
            _("A project cannot go from “%(old)s” to “%(new)s”.")
            % {"old": locked.get_status_display(), "new": Status(status).label}
        )
    old = locked.status
    locked.status = status
    if status in {Status.CLOSED, Status.CANCELLED}:
        locked.ended_on = today or timezone.localdate()
    locked.save(update_fields=["status", "ended_on", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, status]},
    )
    _activity(
        locked,
        _("Project %(title)s: %(status)s")
        % {"title": locked.title, "status": Status(status).label},
    )
    project.status, project.ended_on = locked.status, locked.ended_on
    events.project_status_changed.send(
        sender=Project, project=locked, old=old, new=status, actor=actor
    )
    return locked


def milestone_warnings(*, milestone: Milestone) -> list[str]:
    """Return warnings (not errors) about a milestone, e.g. due after the project deadline."""
    warnings = []
    deadline = milestone.project.deadline_on
    if deadline and milestone.due_on > deadline:
        warnings.append(
            _("“%(title)s” is due after the project deadline (%(deadline)s). Saved anyway.")
            % {"title": milestone.title, "deadline": deadline.isoformat()}
        )
    if deadline and milestone.forecast_on and milestone.forecast_on > deadline:
        warnings.append(
            _("The forecast for “%(title)s” lies after the project deadline.")
            % {"title": milestone.title}
        )
    return warnings


# ---------------------------------------------------------------------------------------------
# Scope


def scope_item_add(*, item: ScopeItem) -> ScopeItem:
    """Append a scope item at the end of its list (in or out of scope). Not idempotent."""
    last = ScopeItem.objects.filter(project=item.project).aggregate(Max("position"))
    item.position = (last["position__max"] or 0) + 1
    item.save()
    return item


@transaction.atomic
def scope_item_move(*, item: ScopeItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down") in the same list."""
    siblings = list(
        ScopeItem.objects.select_for_update()
        .filter(project_id=item.project_id, is_in_scope=item.is_in_scope)
        .order_by("position", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position", "updated_at"])


# ---------------------------------------------------------------------------------------------
# Revisions


def revisions_used(project: Project) -> int:
    """Return the number of included rounds logged (the ones that count against the agreement)."""
    return sum(
        1 for rnd in project.revisions.all() if rnd.billing == RevisionRound.Billing.INCLUDED
    )


def revision_log(*, revision: RevisionRound, actor: Any) -> RevisionRound:
    """Log a revision round; beyond the agreement it must be billable or goodwill."""
    project = revision.project
    included = project.revisions.filter(billing=RevisionRound.Billing.INCLUDED).count()
    if revision.billing == RevisionRound.Billing.INCLUDED and included >= project.revisions_agreed:
        raise ProjectError(
            _(
                "All %(n)s agreed revision rounds are used. Mark this round as billable or as a "
                "goodwill extra."
            )
            % {"n": project.revisions_agreed}
        )
    revision.save()
    label = revision.get_billing_display()
    _activity(project, _("Revision round logged (%(billing)s)") % {"billing": label})
    return revision


def goodwill_by_client(user: Any) -> QuerySet[Client]:
    """Return the user's clients that got goodwill rounds, most first (``goodwill_rounds``)."""
    return (
        Client.objects.owned_by(user)
        .annotate(
            goodwill_rounds=Count(
                "projects__revisions",
                filter=Q(projects__revisions__billing=RevisionRound.Billing.GOODWILL),
            )
        )
        .filter(goodwill_rounds__gt=0)
        .order_by("-goodwill_rounds", "name")
    )


# ---------------------------------------------------------------------------------------------
# Change requests


def change_request_log(*, change_request: ChangeRequest, actor: Any) -> ChangeRequest:
    """Save a new change request and note it on the timeline. Not idempotent."""
    change_request.owner_id = change_request.project.owner_id
    change_request.save()
    comms.activity_record(
        client=change_request.project.client,
        kind="change_request",
        summary=_("Change request: %(title)s") % {"title": change_request.title},
        project=change_request.project,
        change_request=change_request,
    )
    return change_request


@transaction.atomic
def change_request_accept(
    *,
    change_request: ChangeRequest,
    price: Decimal | None,
    deadline_impact_days: int,
    amend_offer: bool,
    actor: Any,
) -> ChangeRequest:
    """Accept: add an in-scope item, optionally a new offer version; draft the reply."""
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if cr.status != ChangeRequest.Status.OPEN:
        raise ProjectError(_("This change request has already been decided."))
    project = cr.project
    cr.status = ChangeRequest.Status.ACCEPTED
    cr.price = price
    cr.deadline_impact_days = deadline_impact_days
    cr.decided_at = timezone.now()
    cr.save()
    scope_item_add(
        item=ScopeItem(
            project=project, is_in_scope=True, title=cr.title[:200], description=cr.description
        )
    )
    if deadline_impact_days and project.deadline_on:
        project.deadline_on += datetime.timedelta(days=deadline_impact_days)
        project.save(update_fields=["deadline_on", "updated_at"])
    if amend_offer and price:
        latest = project.offers.order_by("-version", "-pk").first()
        if latest is not None:
            draft = latest if not latest.is_frozen else offer_new_version(offer=latest, actor=actor)
            OfferLine.objects.create(
                offer=draft,
                position=(draft.lines.aggregate(Max("position"))["position__max"] or 0) + 1,
                description=cr.title[:500],
                quantity=Decimal(1),
                unit="pauschal" if project.client.language == "de" else "flat",
                unit_price=price,
                vat_rate=Decimal(0) if project.is_vat_exempt else project.vat_rate,
            )
    audit_record(
        owner=cr.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=cr,
        changes={"status": ["open", "accepted"], "price": [None, str(price)]},
    )
    comms.activity_record(
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
    """Decline politely: an alternative is required; draft the reply in the client's tone."""
    if not alternative.strip():
        raise ProjectError(_("A polite no always offers an alternative: please describe one."))
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if cr.status != ChangeRequest.Status.OPEN:
        raise ProjectError(_("This change request has already been decided."))
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
    comms.activity_record(
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


# ---------------------------------------------------------------------------------------------
# Number sequences


def number_next(*, owner: Any, kind: str, year: int) -> int:
    """Return the next number of the owner's ``kind`` sequence for ``year``; call in a transaction.

    The sequence row is locked with SELECT ... FOR UPDATE until the caller's transaction ends,
    so two simultaneous requests queue up: no duplicate, and no gap (a rolled-back caller also
    rolls back its increment). Creating the row races too: the loser of the unique constraint
    reads the winner's row inside a savepoint.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next() must run inside transaction.atomic().")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(owner=owner, kind=kind, year=year)
    except IntegrityError:
        pass
    sequence = NumberSequence.objects.select_for_update().get(owner=owner, kind=kind, year=year)
    sequence.last_number = F("last_number") + 1
    sequence.save(update_fields=["last_number", "updated_at"])
    sequence.refresh_from_db(fields=["last_number"])
    return sequence.last_number


# ---------------------------------------------------------------------------------------------
# Offers


def _project_lines(project: Project) -> list[dict[str, Any]]:
    german = project.client.language == "de"
    vat = Decimal(0) if project.is_vat_exempt else project.vat_rate
    if project.pricing == Project.Pricing.HOURLY and project.hourly_rate is not None:
        return [
            {
                "description": project.title[:500],
                "quantity": project.estimated_hours or Decimal(1),
                "unit": "Std." if german else "hours",
                "unit_price": project.hourly_rate,
                "vat_rate": vat,
            }
        ]
    if project.fixed_price is not None:
        return [
            {
                "description": project.title[:500],
                "quantity": Decimal(1),
                "unit": "pauschal" if german else "flat",
                "unit_price": project.fixed_price,
                "vat_rate": vat,
            }
        ]
    return []


@transaction.atomic
def offer_create(*, project: Project, actor: Any, today: datetime.date | None = None) -> Offer:
    """Create offer v1 with a new number, default texts in the client's tone and project lines."""
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
        for index, line in enumerate(_project_lines(project), start=1)
    )
    audit_record(owner=offer.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=offer)
    return offer


@transaction.atomic
def offer_new_version(*, offer: Offer, actor: Any, today: datetime.date | None = None) -> Offer:
    """Copy a sent offer into a new draft version (v+1) with the same number and lines."""
    today = today or timezone.localdate()
    existing_draft = (
        Offer.objects.filter(owner=offer.owner, number=offer.number, status=Offer.Status.DRAFT)
        .order_by("-version")
        .first()
    )
    if existing_draft is not None:
        return existing_draft
    latest = Offer.objects.filter(owner=offer.owner, number=offer.number).aggregate(Max("version"))[
        "version__max"
    ]
    new = Offer.objects.create(
        owner=offer.owner,
        project=offer.project,
        number=offer.number,
        version=(latest or offer.version) + 1,
        issued_on=today,
        valid_until=max(offer.valid_until, today + datetime.timedelta(days=14)),
        intro_text=offer.intro_text,
        closing_text=offer.closing_text,
    )
    OfferLine.objects.bulk_create(
        OfferLine(
            offer=new,
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
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


def offer_totals(offer: Offer) -> dict[str, Any]:
    """Return net/VAT/gross (per rate) of the offer's current lines."""
    lines = [documents.line_data(line) for line in offer.lines.all()]
    return documents.totals_by_rate(lines, is_vat_exempt=offer.project.is_vat_exempt)


@transaction.atomic
def offer_send(*, offer: Offer, actor: Any, now: datetime.datetime | None = None) -> Offer:
    """Freeze the offer (snapshot), mark it sent, supersede older versions, draft the e-mail."""
    now = now or timezone.now()
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != Offer.Status.DRAFT:
        raise ProjectError(_("This offer was already sent; edit it to create a new version."))
    if not locked.lines.exists():
        raise ProjectError(_("An offer needs at least one line item before it can be sent."))
    snapshot = documents.offer_snapshot(locked)
    totals = snapshot["totals"]
    locked.snapshot = snapshot
    locked.total_net = Decimal(totals["net"])
    locked.total_gross = Decimal(totals["gross"])
    locked.status = Offer.Status.SENT
    locked.sent_at = now
    locked.save()
    Offer.objects.filter(
        owner=locked.owner,
        number=locked.number,
        version__lt=locked.version,
        status__in=[Offer.Status.SENT, Offer.Status.DRAFT, Offer.Status.EXPIRED],
    ).update(status=Offer.Status.SUPERSEDED, updated_at=now)
    project = locked.project
    if project.status == Status.LEAD:
        project_set_status(project=project, status=Status.OFFERED, actor=actor)
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": ["draft", "sent"]},
    )
    comms.activity_record(
        client=project.client,
        kind="offer",
        summary=_("Offer %(offer)s sent") % {"offer": str(locked)},
        project=project,
        offer=locked,
    )
    events.offer_sent.send(sender=Offer, offer=locked, actor=actor)
    return locked


@transaction.atomic
def offer_set_status(*, offer: Offer, status: str, actor: Any) -> Offer:
    """Record the client's answer (accepted / declined) or expiry of a sent offer. Idempotent."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == status:
        return locked
    if locked.status != Offer.Status.SENT or status not in {
        Offer.Status.ACCEPTED,
        Offer.Status.DECLINED,
        Offer.Status.EXPIRED,
    }:
        raise ProjectError(
            _("Only a sent offer can be accepted, declined or expire (this one is “%(s)s”).")
            % {"s": locked.get_status_display()}
        )
    old = locked.status
    locked.status = status
    now = timezone.now()
    if status == Offer.Status.ACCEPTED:
        locked.accepted_at = now
    elif status == Offer.Status.DECLINED:
        locked.declined_at = now
    locked.save()
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, status]},
    )
    project = locked.project
    if status == Offer.Status.ACCEPTED and project.status in {Status.LEAD, Status.OFFERED}:
        project_set_status(project=project, status=Status.ACTIVE, actor=actor)
    comms.activity_record(
        client=project.client,
        kind="offer",
        summary=_("Offer %(offer)s: %(status)s")
        % {"offer": str(locked), "status": Offer.Status(status).label},
        project=project,
        offer=locked,
    )
    events.offer_answered.send(sender=Offer, offer=locked, old=old, new=status, actor=actor)
    return locked


def offers_expire(*, today: datetime.date) -> int:
    """Mark sent offers whose validity ended before ``today`` as expired; safe to run twice.

    One conditional UPDATE: an offer accepted or declined in the meantime no longer matches
    ``status = 'sent'`` and is left alone. Returns the number of offers expired.
    """
    return Offer.objects.filter(status=Offer.Status.SENT, valid_until__lt=today).update(
        status=Offer.Status.EXPIRED, updated_at=timezone.now()
    )


# ---------------------------------------------------------------------------------------------
# Invoices


@transaction.atomic
def invoice_create(
    *,
    project: Project,
    actor: Any,
    offer: Offer | None = None,
    today: datetime.date | None = None,
) -> Invoice:
    """Create a draft invoice from an accepted offer (its lines) or from the project's pricing."""
    today = today or timezone.localdate()
    if offer is not None and offer.status != Offer.Status.ACCEPTED:
        raise ProjectError(_("Only an accepted offer can be turned into an invoice."))
    invoice = Invoice.objects.create(
        owner=project.owner,
        project=project,
        client=project.client,
        offer=offer,
        currency=project.currency,
        is_vat_exempt=project.is_vat_exempt,
        delivery_from=project.start_on,
        delivery_to=min(project.deadline_on, today) if project.deadline_on else today,
    )
    if offer is not None:
        lines = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "vat_rate": line.vat_rate,
            }
            for line in offer.lines.all()
        ]
    else:
        lines = _project_lines(project)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=index, **line)
        for index, line in enumerate(lines, start=1)
    )
    audit_record(owner=invoice.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=invoice)
    return invoice


def _freeze(invoice: Invoice) -> None:
    snapshot = documents.invoice_snapshot(invoice)
    totals = snapshot["totals"]
    invoice.snapshot = snapshot
    invoice.total_net = Decimal(totals["net"])
    invoice.total_vat = Decimal(totals["vat"])
    invoice.total_gross = Decimal(totals["gross"])


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: Any, today: datetime.date | None = None) -> Invoice:
    """Give the draft its gap-free number, freeze seller/buyer/lines/totals, mark it open."""
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT:
        raise ProjectError(_("This invoice has already been issued."))
    if not locked.lines.exists():
        raise ProjectError(_("An invoice needs at least one line item before it can be issued."))
    issued_on = locked.issued_on or today
    number = number_next(owner=locked.owner, kind=NumberSequence.Kind.INVOICE, year=issued_on.year)
    locked.number = f"{issued_on.year}-{number:04d}"
    locked.issued_on = issued_on
    if locked.due_on is None:
        locked.due_on = issued_on + datetime.timedelta(days=locked.project.payment_terms_days)
    locked.delivery_from = locked.delivery_from or issued_on
    locked.delivery_to = locked.delivery_to or locked.delivery_from
    locked.status = Invoice.Status.OPEN
    _freeze(locked)
    locked.save()
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": ["draft", "open"], "number": ["", locked.number]},
    )
    comms.activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Invoice %(number)s issued") % {"number": locked.number},
        project=locked.project,
        invoice=locked,
    )
    events.invoice_issued.send(sender=Invoice, invoice=locked, actor=actor)
    return locked


@transaction.atomic
def invoice_record_payment(
    *, invoice: Invoice, amount: Decimal, paid_on: datetime.date, note: str = ""
) -> Invoice:
    """Record money received; sets partly paid or paid. The one place payment status changes.

    Not idempotent (two calls are two payments); the invoice row is locked so two payments
    recorded at once both count.
    """
    # Owner, client and project come along (the audit and timeline entries need them): three
    # queries fewer per payment, which a bank statement with thousands of payments feels.
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("owner", "client", "project")
        .get(pk=invoice.pk)
    )
    if locked.status not in {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}:
        raise ProjectError(
            _("Payments can only be recorded on an open invoice (this one is “%(s)s”).")
            % {"s": locked.get_status_display()}
        )
    if amount <= 0:
        raise ProjectError(_("A payment must be more than zero."))
    if amount > locked.amount_due:
        raise ProjectError(
            _("The payment (%(amount)s) is more than the amount due (%(due)s).")
            % {"amount": amount, "due": locked.amount_due}
        )
    payment = Payment.objects.create(
        invoice=locked, amount=amount, paid_on=paid_on, note=note[:200]
    )
    old = locked.status
    locked.amount_paid += amount
    if locked.amount_paid >= locked.total_gross:
        locked.status = Invoice.Status.PAID
        locked.paid_on = paid_on
    else:
        locked.status = Invoice.Status.PARTLY_PAID
    locked.save(update_fields=["amount_paid", "status", "paid_on", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor="system",
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, locked.status], "payment": [None, str(amount)]},
    )
    comms.activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Payment of %(amount)s received for %(number)s")
        % {"amount": amount, "number": locked.number},
        project=locked.project,
        invoice=locked,
    )
    # Paid: every unsent reminder is cancelled at once; partly paid: they show the new amount
    # (communications listens, in this transaction).
    events.invoice_payment_recorded.send(sender=Invoice, invoice=locked, payment=payment)
    invoice.status, invoice.amount_paid, invoice.paid_on = (
        locked.status,
        locked.amount_paid,
        locked.paid_on,
    )
    return locked


def invoice_mark_paid(*, invoice: Invoice, paid_on: datetime.date) -> Invoice:
    """Record the remaining amount as paid on ``paid_on``. Safe to run twice (then a no-op)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status == Invoice.Status.PAID:
            return locked
        return invoice_record_payment(
            invoice=locked, amount=locked.amount_due, paid_on=paid_on, note="paid in full"
        )


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: Any, today: datetime.date | None = None) -> Invoice:
    """Cancel an issued invoice with a cancellation invoice (negative lines, own number)."""
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Invoice.Status.DRAFT:
        raise ProjectError(_("A draft has no number yet: delete it instead of cancelling it."))
    if locked.status == Invoice.Status.CANCELLED:
        raise ProjectError(_("This invoice has already been cancelled."))
    if locked.cancels_id:
        raise ProjectError(_("A cancellation invoice cannot itself be cancelled."))
    storno = Invoice.objects.create(
        owner=locked.owner,
        project=locked.project,
        client=locked.client,
        offer=locked.offer,
        currency=locked.currency,
        is_vat_exempt=locked.is_vat_exempt,
        delivery_from=locked.delivery_from,
        delivery_to=locked.delivery_to,
        cancels=locked,
        issued_on=today,
        due_on=today,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=storno,
            position=line.position,
            description=line.description,
            quantity=-line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
        for line in locked.lines.all()
    )
    number = number_next(owner=locked.owner, kind=NumberSequence.Kind.INVOICE, year=today.year)
    storno.number = f"{today.year}-{number:04d}"
    # A cancellation settles the original: it is not a claim on the client.
    storno.status = Invoice.Status.CANCELLED
    _freeze(storno)
    storno.save()
    old = locked.status
    locked.status = Invoice.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, "cancelled"], "cancelled_by": [None, storno.number]},
    )
    audit_record(owner=storno.owner, actor=actor, action=AuditEntry.Action.CREATE, obj=storno)
    comms.activity_record(
        client=locked.client,
        kind="invoice",
        summary=_("Invoice %(number)s cancelled by %(storno)s")
        % {"number": locked.number, "storno": storno.number},
        project=locked.project,
        invoice=storno,
    )
    events.invoice_cancelled.send(sender=Invoice, invoice=locked, cancellation=storno, actor=actor)
    return storno


@transaction.atomic
def invoice_delete(*, invoice: Invoice, actor: Any) -> None:
    """Delete a draft invoice; an issued one is refused (cancel it instead)."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.DRAFT or locked.number:
        raise ProjectError(
            _(
                "An issued invoice is never deleted (the law requires it to be kept). "
                "Cancel it with a cancellation invoice instead."
            )
        )
    audit_record(owner=locked.owner, actor=actor, action=AuditEntry.Action.DELETE, obj=locked)
    locked.delete()
