"""Privacy exports (GDPR Art. 15 and 20): one client as a ZIP, or the whole account."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from banking.models import Allocation, BankEntry, KnownAccount
from clients.models import Client, Contact, Note, Tag
from communications.models import Message
from crm.audit import audit_record
from crm.models import AuditEntry, Profile
from inbox.models import Blob, MailAttachment, Mailbox
from portal.models import PortalLink
from projects.models import (
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
from timeline.models import Activity
from timetracking.models import Expense, Retainer, TimeEntry

from .erasure import ClientErasedError, client_erased_entry, client_mails

logger = logging.getLogger(__name__)


def _dump(queryset: models.QuerySet, exclude: set[str] | None = None) -> str:
    """Return the rows as Django's JSON serialisation (model, pk, fields), minus ``exclude``."""
    fields = None
    if exclude:
        meta = queryset.model._meta
        fields = [
            f.name
            for f in [*meta.local_fields, *meta.local_many_to_many]
            if not f.primary_key and f.name not in exclude
        ]
    return serializers.serialize(
        "json", queryset.order_by("pk"), fields=fields, indent=2, ensure_ascii=False
    )


def _write_pdfs(archive: zipfile.ZipFile, offers: list[Offer], invoices: list[Invoice]) -> None:
    """Add the offer and invoice PDFs, when the documents module is available."""
    try:
        from projects import documents
    except ImportError:
        return
    for offer in offers:
        _write_pdf(
            archive,
            f"documents/offer-{slugify(offer.number)}-v{offer.version}.pdf",
            getattr(documents, "offer_pdf", None),
            offer,
        )
    for invoice in invoices:
        _write_pdf(
            archive,
            f"documents/invoice-{slugify(invoice.number)}.pdf",
            getattr(documents, "invoice_pdf", None),
            invoice,
        )


def _write_pdf(archive: zipfile.ZipFile, name: str, render: Any, obj: Any) -> None:
    if render is None:
        return
    try:
        pdf = render(obj)
    except Exception:  # A broken document must not block the export of the data itself.
        logger.exception("PDF for %s could not be rendered for an export", name)
        return
    if hasattr(pdf, "read"):
        pdf = pdf.read()
    if isinstance(pdf, bytes | bytearray):
        archive.writestr(name, bytes(pdf))


def _client_files(client: Client) -> dict[str, str]:
    """Return {file name: JSON} of every row stored about ``client``."""
    return {
        "client.json": _dump(Client.objects.filter(pk=client.pk)),
        "tags.json": _dump(Tag.objects.filter(clients=client)),
        "contacts.json": _dump(Contact.objects.filter(client=client)),
        "notes.json": _dump(Note.objects.filter(client=client)),
        "projects.json": _dump(Project.objects.filter(client=client)),
        "scope_items.json": _dump(ScopeItem.objects.filter(project__client=client)),
        "milestones.json": _dump(Milestone.objects.filter(project__client=client)),
        "revision_rounds.json": _dump(RevisionRound.objects.filter(project__client=client)),
        "change_requests.json": _dump(ChangeRequest.objects.filter(project__client=client)),
        "offers.json": _dump(Offer.objects.filter(project__client=client)),
        "offer_lines.json": _dump(OfferLine.objects.filter(offer__project__client=client)),
        "invoices.json": _dump(Invoice.objects.filter(client=client)),
        "invoice_lines.json": _dump(InvoiceLine.objects.filter(invoice__client=client)),
        "payments.json": _dump(Payment.objects.filter(invoice__client=client)),
        "messages.json": _dump(Message.objects.filter(client=client)),
        "activities.json": _dump(Activity.objects.filter(client=client)),
        "received_mails.json": _dump(client_mails(client)),
        "received_attachments.json": _dump(
            MailAttachment.objects.filter(mail__in=client_mails(client)), exclude={"blob"}
        ),
        "time_entries.json": _dump(TimeEntry.objects.filter(project__client=client)),
        "expenses.json": _dump(Expense.objects.filter(project__client=client)),
        "retainers.json": _dump(Retainer.objects.filter(project__client=client)),
        "known_bank_accounts.json": _dump(KnownAccount.objects.filter(client=client)),
        "bank_bookings.json": _dump(
            BankEntry.objects.filter(
                pk__in=Allocation.objects.filter(invoice__client=client).values("entry_id")
            )
        ),
    }


def client_export_zip(*, client: Client, actor: Any) -> bytes:
    """Return a ZIP of everything stored about ``client`` and write an audit entry.

    Raises ClientErasedError for an erased client. Not idempotent: each call is audited.
    """
    if client_erased_entry(client=client):
        raise ClientErasedError
    offers = Offer.objects.filter(project__client=client)
    invoices = Invoice.objects.filter(client=client)
    files = _client_files(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            f"Export of everything stored about client #{client.pk} ({client.name}), "
            f"{timezone.now().isoformat()}.\nEach .json file holds the rows of one kind "
            "(Django serialisation: model, pk, fields); documents/ holds the PDFs.\n",
        )
        for name, content in files.items():
            archive.writestr(name, content)
        _write_pdfs(
            archive,
            list(offers.exclude(status=Offer.Status.DRAFT)),
            list(invoices.exclude(number="")),
        )
    audit_record(
        owner=client.owner,
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        obj=client,
        changes={"files": sorted(files)},
    )
    return buffer.getvalue()


def account_export_zip(*, user: Any) -> bytes:
    """Return a ZIP of every row the freelancer owns (JSON per kind) and audit the export."""
    files = {
        "account.json": json.dumps(
            {
                "username": user.get_username(),
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            },
            cls=DjangoJSONEncoder,
            indent=2,
            ensure_ascii=False,
        ),
        "profile.json": _dump(Profile.objects.filter(user=user), exclude={"calendar_token"}),
        "tags.json": _dump(Tag.objects.filter(owner=user)),
        "clients.json": _dump(Client.objects.filter(owner=user)),
        "contacts.json": _dump(Contact.objects.filter(client__owner=user)),
        "notes.json": _dump(Note.objects.filter(client__owner=user)),
        "projects.json": _dump(Project.objects.filter(owner=user)),
        "scope_items.json": _dump(ScopeItem.objects.filter(project__owner=user)),
        "milestones.json": _dump(Milestone.objects.filter(project__owner=user)),
        "revision_rounds.json": _dump(RevisionRound.objects.filter(project__owner=user)),
        "change_requests.json": _dump(ChangeRequest.objects.filter(owner=user)),
        "offers.json": _dump(Offer.objects.filter(owner=user)),
        "offer_lines.json": _dump(OfferLine.objects.filter(offer__owner=user)),
        "invoices.json": _dump(Invoice.objects.filter(owner=user)),
        "invoice_lines.json": _dump(InvoiceLine.objects.filter(invoice__owner=user)),
        "payments.json": _dump(Payment.objects.filter(invoice__owner=user)),
        "number_sequences.json": _dump(NumberSequence.objects.filter(owner=user)),
        "portal_links.json": _dump(PortalLink.objects.filter(owner=user), exclude={"token"}),
        "messages.json": _dump(Message.objects.filter(owner=user)),
        "activities.json": _dump(Activity.objects.filter(owner=user)),
        "audit_log.json": _dump(AuditEntry.objects.filter(owner=user)),
    }
    extra = _other_owned_models(user)
    files.update(extra)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    audit_record(
        owner=user,
        actor=user,
        action=AuditEntry.Action.EXPORT,
        obj=user,
        changes={"files": sorted(files)},
    )
    return buffer.getvalue()


def _other_owned_models(user: Any) -> dict[str, str]:
    """Return dumps of owned models the list above does not name (added by other apps later)."""
    from django.apps import apps

    known = {
        Tag,
        Client,
        Project,
        ChangeRequest,
        Offer,
        Invoice,
        NumberSequence,
        Message,
        Activity,
        AuditEntry,
    }
    files = {}
    # Secrets stay out: the mailbox password (encrypted) and its fetch token; raw mails are
    # bytes (their text is in inbox_inboundmail.json).
    secrets = {Mailbox: {"password_token", "fetch_token"}}
    skipped = {Blob}
    for config in apps.get_app_configs():
        if Path(config.path).parent != settings.BASE_DIR:  # the product's apps, not libraries
            continue
        for model in config.get_models():
            if model in known or model in skipped or model._meta.abstract:
                continue
            if any(f.name == "owner" and f.is_relation for f in model._meta.concrete_fields):
                files[f"{model._meta.label_lower.replace('.', '_')}.json"] = _dump(
                    model._default_manager.filter(owner=user), exclude=secrets.get(model)
                )
    return files
