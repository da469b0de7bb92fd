"""Privacy (GDPR): export and erase one client, export the whole account, the calendar token.

Erasing keeps what German law makes the freelancer keep: issued invoices with their snapshots and
payments (10 years since 2025 for booking records, at least 8 for invoices: § 147 AO, § 14b UStG)
and sent offers (business letters, 6 years: § 257 HGB, § 147 AO). Everything else about the
person is deleted, and the client row itself is reduced to a placeholder name.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import access_client
from clients.models import Client, Contact, Note, Tag
from communications.models import Message
from crm.audit import audit_record
from crm.models import AuditEntry, Profile
from crm.services import calendar_token_regenerate
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

logger = logging.getLogger(__name__)

ERASED_NAME = "Gelöschter Kunde #{id}"
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


# --- Export ---------------------------------------------------------------------------------


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


def client_export_zip(*, client: Client, actor: Any) -> bytes:
    """Return a ZIP of everything stored about ``client`` and write an audit entry.

    Raises ClientErasedError for an erased client. Not idempotent: each call is audited.
    """
    if client_erased_entry(client=client):
        raise ClientErasedError
    projects = Project.objects.filter(client=client)
    offers = Offer.objects.filter(project__client=client)
    invoices = Invoice.objects.filter(client=client)
    files = {
        "client.json": _dump(Client.objects.filter(pk=client.pk)),
        "tags.json": _dump(Tag.objects.filter(clients=client)),
        "contacts.json": _dump(Contact.objects.filter(client=client)),
        "notes.json": _dump(Note.objects.filter(client=client)),
        "projects.json": _dump(projects),
        "scope_items.json": _dump(ScopeItem.objects.filter(project__client=client)),
        "milestones.json": _dump(Milestone.objects.filter(project__client=client)),
        "revision_rounds.json": _dump(RevisionRound.objects.filter(project__client=client)),
        "change_requests.json": _dump(ChangeRequest.objects.filter(project__client=client)),
        "offers.json": _dump(offers),
        "offer_lines.json": _dump(OfferLine.objects.filter(offer__project__client=client)),
        "invoices.json": _dump(invoices),
        "invoice_lines.json": _dump(InvoiceLine.objects.filter(invoice__client=client)),
        "payments.json": _dump(Payment.objects.filter(invoice__client=client)),
        "messages.json": _dump(Message.objects.filter(client=client)),
        "activities.json": _dump(Activity.objects.filter(client=client)),
    }
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
    for app_label in ("clients", "projects", "communications", "crm"):
        for model in apps.get_app_config(app_label).get_models():
            if model in known or model._meta.abstract:
                continue
            if any(f.name == "owner" and f.is_relation for f in model._meta.concrete_fields):
                files[f"{model._meta.label_lower.replace('.', '_')}.json"] = _dump(
                    model._default_manager.filter(owner=user)
                )
    return files


# --- Erasure --------------------------------------------------------------------------------


@dataclass
class ErasureReport:
    """What an erasure deleted and what it kept (and why), for the confirmation page."""

    deleted: dict[str, int] = field(default_factory=dict)
    kept_invoices: int = 0
    kept_offers: int = 0
    kept_projects: int = 0
    already_erased: bool = False


def client_erase(*, client: Client, actor: Any) -> ErasureReport:
    """Delete the client's personal data, keep what the law requires, anonymise the rest.

    Safe to run twice: a second call finds the erasure in the audit log and changes nothing.
    """
    with transaction.atomic():
        # Lock the client so two erasures (double click) run one after the other.
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client_erased_entry(client=client):
            return ErasureReport(already_erased=True)
        report = ErasureReport()
        deleted = report.deleted
        deleted["notes"] = Note.objects.filter(client=client).delete()[1].get("clients.Note", 0)
        deleted["messages"] = (
            Message.objects.filter(client=client).delete()[1].get("communications.Message", 0)
        )
        deleted["activities"] = Activity.objects.filter(client=client).delete()[0]
        deleted["contacts"] = Contact.objects.filter(client=client).delete()[0]
        deleted["tags"] = client.tags.count()
        client.tags.clear()
        deleted["portal_links"] = PortalLink.objects.filter(project__client=client).delete()[0]
        # Drafts were never sent: no retention duty, so they go.
        deleted["draft_offers"] = (
            Offer.objects.filter(project__client=client, status=Offer.Status.DRAFT)
            .delete()[1]
            .get("projects.Offer", 0)
        )
        deleted["draft_invoices"] = (
            Invoice.objects.filter(
                client=client, status=Invoice.Status.DRAFT, number="", payments__isnull=True
            )
            .delete()[1]
            .get("projects.Invoice", 0)
        )
        report.kept_invoices = Invoice.objects.filter(client=client).count()
        report.kept_offers = Offer.objects.filter(project__client=client).count()
        report.kept_projects = Project.objects.filter(client=client).count()
        placeholder = ERASED_NAME.format(id=client.pk)
        Client.objects.filter(pk=client.pk).update(
            name=placeholder,
            email="",
            phone="",
            website="",
            street="",
            postal_code="",
            city="",
            country="",
            salutation="",
            sign_off="",
            status=Client.Status.PAST,
            archived_at=client.archived_at or timezone.now(),
            updated_at=timezone.now(),
        )
        # Earlier audit entries named the person and held their old values.
        AuditEntry.objects.filter(
            owner_id=client.owner_id, object_type=CLIENT_TYPE, object_id=str(client.pk)
        ).update(object_repr=placeholder, changes={})
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


# --- Forms and views ------------------------------------------------------------------------


class ErasureForm(forms.Form):
    """Confirm an erasure by typing the client's name exactly."""

    name = forms.CharField(label=gettext_lazy("Type the client's name to confirm"), max_length=200)

    def __init__(self, *args: Any, expected_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_name = expected_name

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if name.casefold() != " ".join(self.expected_name.split()).casefold():
            raise forms.ValidationError(
                _("The name does not match. Type it exactly as shown to confirm."),
                code="mismatch",
            )
        return name


def _zip_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def privacy_index(request: HttpRequest) -> HttpResponse:
    """Show the calendar feed, the account export and the way to the audit log."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar:feed", args=[profile.calendar_token]))
    return render(request, "privacy/index.html", {"feed_url": feed_url})


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    calendar_token_regenerate(user=request.user)
    messages.success(
        request, _("Your calendar feed has a new address. The old one no longer works.")
    )
    return redirect("privacy:index")


@login_required
@require_POST
def account_export(request: HttpRequest) -> HttpResponse:
    content = account_export_zip(user=request.user)
    stamp = timezone.localdate().isoformat()
    return _zip_response(content, f"account-export-{stamp}.zip")


@login_required
@require_GET
def client_privacy(request: HttpRequest, client_id: int) -> HttpResponse:
    """Show what exporting and erasing the client would do."""
    client = access_client(request.user, client_id)
    erased = client_erased_entry(client=client)
    form = ErasureForm(expected_name=client.name)
    return render(
        request, "privacy/client.html", {"client": client, "erased": erased, "form": form}
    )


@login_required
@require_POST
def client_export(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    try:
        content = client_export_zip(client=client, actor=request.user)
    except ClientErasedError:
        return render(
            request,
            "privacy/client_erased.html",
            {"client": client, "erased": client_erased_entry(client=client)},
            status=410,
        )
    return _zip_response(content, f"client-{client.pk}-{slugify(client.name)}.zip")


@login_required
@require_http_methods(["GET", "POST"])
def client_erase_view(request: HttpRequest, client_id: int) -> HttpResponse:
    """Erase the client after the typed-name confirmation; show what was kept and why."""
    client = access_client(request.user, client_id)
    if request.method == "GET":
        return redirect("privacy:client", client_id=client.pk)
    erased = client_erased_entry(client=client)
    if erased:
        return render(
            request, "privacy/client_erased.html", {"client": client, "erased": erased}, status=410
        )
    form = ErasureForm(request.POST, expected_name=client.name)
    if not form.is_valid():
        return render(
            request,
            "privacy/client.html",
            {"client": client, "erased": None, "form": form},
            status=400,
        )
    report = client_erase(client=client, actor=request.user)
    client.refresh_from_db()
    return render(request, "privacy/client_erased_done.html", {"client": client, "report": report})
