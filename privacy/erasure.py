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

from clients.models import Client, Contact, Note
from communications.models import Message, ReminderPause
from crm.audit import audit_record
from crm.models import AuditEntry
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
    ]
    return [
        (label, ids if isinstance(ids, list) else list(ids.values_list("pk", flat=True)))
        for label, ids in groups
    ]


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
        report = ErasureReport()
        deleted = report.deleted
        project_ids = list(Project.objects.filter(client=client).values_list("pk", flat=True))
        in_projects = Q(project_id__in=project_ids)
        # Earlier audit entries named the person and held old values (a change request's text,
        # the acceptance's name and address): only who did what, when, stays.
        placeholder = ERASED_NAME.format(id=client.pk)
        _logs_erase(client.owner, _targets(client, project_ids), placeholder)

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
        keeps = Q(offers__isnull=False) | Q(invoices__isnull=False)
        empty = Project.objects.filter(client=client).exclude(keeps)
        deleted["projects"] = _count(empty.delete(), "projects.Project")
        report.kept_invoices = Invoice.objects.filter(client=client).count()
        report.kept_offers = Offer.objects.filter(project__client=client).count()
        report.kept_projects = Project.objects.filter(client=client).count()
        for project in Project.objects.filter(client=client).only("pk"):
            Project.objects.filter(pk=project.pk).update(
                title=ERASED_PROJECT.format(id=project.pk), description=""
            )
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
        audit_record(
            owner=client.owner,
            actor=actor,
            action=AuditEntry.Action.ERASE,
            obj=client,
            changes={
                "deleted": deleted,
                "kept": {
                    "invoices": report.kept_invoices,
                    "offers": report.kept_offers,
                    "projects": report.kept_projects,
                },
            },
        )
    return report
