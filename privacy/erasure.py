"""Erasure (GDPR Art. 17) that erases: every field that can hold a client's personal data.

What each field of each model is (erased, kept by law, not personal) is declared in the apps'
``personal_data.py`` modules (privacy/registry.py collects them; a test fails on any text field
nobody classified). Erasing keeps exactly what German law makes the freelancer keep: issued
invoices with their lines, snapshots and payments (§ 147 AO, § 14b UStG: 10 years for booking
records since 2025, at least 8 for invoices) and sent offers with their lines and snapshots
(business letters, 6 years: § 257 HGB, § 147 AO). Everything else that names or describes
the person is deleted or replaced by a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from banking.models import KnownAccount
from clients.models import Client, Contact, Note
from communications.models import Message, ReminderPause
from crm.audit import audit_record
from crm.models import AuditEntry
from inbox.models import Blob, InboundMail, MailAttachment
from portal.models import PortalLink
from projects.models import (
    ChangeRequest,
    Invoice,
    Milestone,
    Offer,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)
from timeline.models import Activity
from timetracking.models import BillingPeriod, Retainer, TimeEntry, Timer

ERASED_NAME = "Gelöschter Kunde #{id}"
ERASED_PROJECT = "Projekt #{id}"
# Who acted, for audit entries not written by the freelancer (the portal writes the client's
# typed name there).
PSEUDONYM_ACTOR = "client portal"
CLIENT_TYPE = "clients.client"


class ClientErasedError(Exception):
    """The client was erased: what remains is kept for the law, not exportable as personal data."""


def client_erased_entry(*, client: Client) -> AuditEntry | None:
    """Return the audit entry of the client's erasure, or None if the client was never erased."""
    return (
        AuditEntry.objects.filter(
            owner_id=client.owner_id,
            object_type=CLIENT_TYPE,
            object_id=str(client.pk),
            action=AuditEntry.Action.ERASE,
        )
        .order_by("-occurred_at")
        .first()
    )


@dataclass
class ErasureReport:
    """What an erasure deleted and what it kept (and why), for the confirmation page."""

    deleted: dict[str, int] = field(default_factory=dict)
    kept_invoices: int = 0
    kept_offers: int = 0
    kept_projects: int = 0
    already_erased: bool = False


def _targets(client: Client, project_ids: list[int]) -> list[tuple[str, list[int]]]:
    """Return (model label, ids) of the client and everything of theirs, for the logs."""
    in_projects = Q(project_id__in=project_ids)
    groups: list[tuple[str, Any]] = [
        (CLIENT_TYPE, [client.pk]),
        ("clients.contact", Contact.objects.filter(client=client)),
        ("clients.note", Note.objects.filter(client=client)),
        ("projects.project", project_ids),
        ("projects.scopeitem", ScopeItem.objects.filter(in_projects)),
        ("projects.milestone", Milestone.objects.filter(in_projects)),
        ("projects.revisionround", RevisionRound.objects.filter(in_projects)),
        ("projects.changerequest", ChangeRequest.objects.filter(in_projects)),
        ("projects.offer", Offer.objects.filter(in_projects)),
        ("projects.invoice", Invoice.objects.filter(client=client)),
        ("projects.payment", Payment.objects.filter(invoice__client=client)),
        ("communications.message", Message.objects.filter(client=client)),
        ("communications.reminderpause", ReminderPause.objects.filter(client=client)),
        ("portal.portallink", PortalLink.objects.filter(project_id__in=project_ids)),
        ("inbox.inboundmail", client_mails(client)),
        ("timetracking.timeentry", TimeEntry.objects.filter(in_projects)),
        ("timetracking.retainer", Retainer.objects.filter(in_projects)),
    ]
    return [
        (label, ids if isinstance(ids, list) else list(ids.values_list("pk", flat=True)))
        for label, ids in groups
    ]


def client_mails(client: Client) -> Any:
    """Return the client's received mails: matched to her, or sent from one of her addresses."""
    addresses = {client.email, *client.contacts.values_list("email", flat=True)} - {""}
    sender = Q()
    for address in addresses:
        sender |= Q(from_address__iexact=address)
    return InboundMail.objects.filter(Q(client=client) | sender, owner_id=client.owner_id)


def _mails_delete(client: Client) -> int:
    """Delete the client's received mails with their raw messages and stored attachments."""
    mails = client_mails(client)
    blob_ids = set(mails.exclude(raw=None).values_list("raw_id", flat=True))
    blob_ids |= set(
        MailAttachment.objects.filter(mail__in=mails)
        .exclude(blob=None)
        .values_list("blob_id", flat=True)
    )
    count = _count(mails.delete(), "inbox.InboundMail")
    # A blob is shared by content (the same logo in two mails): keep what other mails use.
    still_used = set(
        InboundMail.objects.filter(raw_id__in=blob_ids).values_list("raw_id", flat=True)
    ) | set(MailAttachment.objects.filter(blob_id__in=blob_ids).values_list("blob_id", flat=True))
    Blob.objects.filter(pk__in=blob_ids - still_used).delete()
    return count


def _time_erase(client: Client, in_projects: Q) -> int:
    """Blank what the time records say about the client's work; the hours stay for the books."""
    Timer.objects.filter(in_projects).delete()
    count = TimeEntry.objects.filter(in_projects).exclude(description="").update(description="")
    for retainer in Retainer.objects.filter(in_projects).only("pk"):
        Retainer.objects.filter(pk=retainer.pk).update(title=f"Retainer #{retainer.pk}")
    BillingPeriod.objects.filter(retainer__project__client=client).update(note="")
    return count


def _logs_erase(owner: Any, targets: list[tuple[str, list[int]]], placeholder: str) -> None:
    """Strip names and old values from the audit log; drop the admin's change-log entries."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    audit = Q(pk__in=[])
    admin = Q(pk__in=[])
    for label, ids in targets:
        if not ids:
            continue
        texts = [str(pk) for pk in ids]
        audit |= Q(object_type=label, object_id__in=texts)
        content_type = ContentType.objects.get_by_natural_key(*label.split("."))
        admin |= Q(content_type=content_type, object_id__in=texts)
    entries = AuditEntry.objects.filter(audit, owner=owner)
    entries.filter(object_type=CLIENT_TYPE).update(object_repr=placeholder, changes={})
    entries.exclude(object_type=CLIENT_TYPE).update(object_repr="–", changes={})
    entries.exclude(actor=owner.get_username()).update(actor=PSEUDONYM_ACTOR)
    LogEntry.objects.filter(admin).delete()


def _count(result: tuple[int, dict[str, int]], label: str) -> int:
    return result[1].get(label, 0)


def _client_data_delete(client: Client, in_projects: Q) -> dict[str, int]:
    """Delete what was only about the client: mails, notes, messages, timeline, contacts."""
    deleted: dict[str, int] = {}
    # Received mails go before the contacts: their addresses find the mails she sent.
    deleted["received_mails"] = _mails_delete(client)
    deleted["known_accounts"] = KnownAccount.objects.filter(client=client).delete()[0]
    deleted["time_descriptions"] = _time_erase(client, in_projects)
    deleted["notes"] = _count(Note.objects.filter(client=client).delete(), "clients.Note")
    deleted["messages"] = _count(
        Message.objects.filter(Q(client=client) | in_projects).delete(),
        "communications.Message",
    )
    deleted["activities"] = Activity.objects.filter(Q(client=client) | in_projects).delete()[0]
    deleted["contacts"] = Contact.objects.filter(client=client).delete()[0]
    deleted["tags"] = client.tags.count()
    client.tags.clear()
    deleted["reminder_pauses"] = ReminderPause.objects.filter(
        Q(client=client) | Q(invoice__client=client)
    ).delete()[0]
    deleted["portal_links"] = PortalLink.objects.filter(in_projects).delete()[0]
    return deleted


def _projects_trim(client: Client, in_projects: Q) -> dict[str, int]:
    """Delete the projects' working data and drafts; pseudonymise what the law keeps."""
    deleted: dict[str, int] = {}
    # The project's working data: requests, scope, milestones, revision notes.
    deleted["change_requests"] = ChangeRequest.objects.filter(in_projects).delete()[0]
    deleted["scope_items"] = ScopeItem.objects.filter(in_projects).delete()[0]
    deleted["milestones"] = Milestone.objects.filter(in_projects).delete()[0]
    deleted["revision_rounds"] = RevisionRound.objects.filter(in_projects).delete()[0]
    # Drafts were never sent: no retention duty, so they go.
    deleted["draft_offers"] = _count(
        Offer.objects.filter(in_projects, status=Offer.Status.DRAFT).delete(), "projects.Offer"
    )
    deleted["draft_invoices"] = _count(
        Invoice.objects.filter(
            client=client, status=Invoice.Status.DRAFT, number="", payments__isnull=True
        ).delete(),
        "projects.Invoice",
    )
    # The acceptance through the portal: when stays, who (typed name) and from where go.
    Offer.objects.filter(in_projects).update(accepted_by_name="", accepted_ip=None)
    keeps = Q(offers__isnull=False) | Q(invoices__isnull=False) | Q(retainers__isnull=False)
    empty = Project.objects.filter(client=client).exclude(keeps)
    deleted["projects"] = _count(empty.delete(), "projects.Project")
    for project in Project.objects.filter(client=client).only("pk"):
        Project.objects.filter(pk=project.pk).update(
            title=ERASED_PROJECT.format(id=project.pk), description=""
        )
    return deleted


def _client_pseudonymise(client: Client, placeholder: str) -> None:
    """Keep the row the kept invoices point at, with nothing left that names the person."""
    Client.objects.filter(pk=client.pk).update(
        name=placeholder,
        email="",
        phone="",
        website="",
        street="",
        postal_code="",
        city="",
        country="",
        country_unrecognised="",
        salutation="",
        sign_off="",
        status=Client.Status.PAST,
        archived_at=client.archived_at or timezone.now(),
        updated_at=timezone.now(),
    )
    client.refresh_from_db()


def client_erase(*, client: Client, actor: Any) -> ErasureReport:
    """Delete or pseudonymise every field that holds the client's personal data; keep what the
    law requires (issued invoices, sent offers, payments) unchanged.

    Safe to run twice: a second call finds the erasure in the audit log and changes nothing.
    """
    with transaction.atomic():
        # Lock the client so two erasures (double click) run one after the other.
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client_erased_entry(client=client):
            return ErasureReport(already_erased=True)
        project_ids = list(Project.objects.filter(client=client).values_list("pk", flat=True))
        in_projects = Q(project_id__in=project_ids)
        # Earlier audit entries named the person and held old values (a change request's text,
        # the acceptance's name and address): only who did what, when, stays.
        placeholder = ERASED_NAME.format(id=client.pk)
        _logs_erase(client.owner, _targets(client, project_ids), placeholder)
        report = ErasureReport(
            deleted={
                **_client_data_delete(client, in_projects),
                **_projects_trim(client, in_projects),
            },
            kept_invoices=Invoice.objects.filter(client=client).count(),
            kept_offers=Offer.objects.filter(project__client=client).count(),
            kept_projects=Project.objects.filter(client=client).count(),
        )
        _client_pseudonymise(client, placeholder)
        audit_record(
            owner=client.owner,
            actor=actor,
            action=AuditEntry.Action.ERASE,
            obj=client,
            changes={
                "deleted": report.deleted,
                "kept": {
                    "invoices": report.kept_invoices,
                    "offers": report.kept_offers,
                    "projects": report.kept_projects,
                },
            },
        )
    return report
