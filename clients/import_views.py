"""The client import: upload, map the columns (when the file is not recognised), preview, import.

The uploaded file is kept on the server (``ImportUpload``, owner-scoped) between the steps, so a
correction of the mapping never asks for the file again. Every step re-reads it from there.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .access import access_import_upload
from .forms import ImportConfirmForm, ImportMappingForm, ImportUploadForm
from .import_fields import (
    TARGETS,
    TEMPLATE_TARGETS,
    format_label,
    mapping_detect,
    target_choices,
    template_header,
)
from .import_files import ImportFileError, Table, table_read
from .import_rows import (
    CREATE,
    ERROR,
    SKIP,
    UPDATE,
    ImportRefused,
    import_commit,
    import_rows_build,
)
from .import_uploads import import_mapping_save, import_upload_store
from .models import Client, ImportPreset, ImportUpload

PREVIEW_ROWS = 500


def _table(upload: ImportUpload) -> Table:
    return table_read(raw=bytes(upload.content), filename=upload.filename)


@login_required
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; a recognised one goes straight to the preview, any other to the mapping."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            table = table_read(raw=raw, filename=upload.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            detection = mapping_detect(user=request.user, table=table)
            stored = import_upload_store(
                user=request.user,
                filename=upload.name,
                content=raw,
                table=table,
                detection=detection,
            )
            if detection.certain:
                messages.info(
                    request,
                    _("Recognised: %(format)s. Check the preview, then import.")
                    % {"format": detection.format_label},
                )
                return redirect("clients:import_preview", stored.pk)
            return redirect("clients:import_mapping", stored.pk)
    pending = ImportUpload.objects.owned_by(request.user).only("pk", "filename", "created_at")
    context = {
        "form": form,
        "pending": pending.first(),
        "presets": ImportPreset.objects.owned_by(request.user),
    }
    return render(request, "clients/client_import.html", context)


@login_required
@require_GET
def client_import_template(request: HttpRequest) -> HttpResponse:
    """Download an empty client list with one example row, in the interface language."""
    headers = [template_header(target) for target in TEMPLATE_TARGETS]
    example = _template_example()
    row = [example.get(target, "") for target in TEMPLATE_TARGETS]
    filename = _("clients-template")
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Clients"))
        sheet.append(headers)
        sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    text = io.StringIO()
    # German Excel opens semicolon files directly; English Excel expects commas.
    delimiter = ";" if get_language() == "de" else ","
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow(row)
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _template_example() -> dict[str, str]:
    german = get_language() == "de"
    return {
        "customer_number": "10001",
        "name": "Beispiel GmbH" if german else "Example Ltd",
        "kind": str(Client.Kind.COMPANY.label),
        "salutation": "Frau Dr. Weber" if german else "Ms Weber",
        "email": "info@beispiel.example" if german else "hello@example.com",
        "phone": "+49 30 1234567" if german else "+44 20 7946 0000",
        "website": "https://beispiel.example" if german else "https://example.com",
        "street": "Hauptstraße 1" if german else "1 High Street",
        "postal_code": "10115" if german else "SW1A 1AA",
        "city": "Berlin" if german else "London",
        "country": "Deutschland" if german else "United Kingdom",
        "language": str(Client.Language.GERMAN.label if german else Client.Language.ENGLISH.label),
        "form_of_address": "Sie" if german else "formal",
        "payment_terms_days": "14",
        "tags": "Agentur, Retainer" if german else "agency, retainer",
        "contact_name": "Sabine Weber",
        "contact_role": "Marketing",
        "contact_email": "sabine.weber@beispiel.example" if german else "sabine@example.com",
        "contact_phone": "+49 30 1234568" if german else "+44 20 7946 0001",
    }


def _samples(table: Table, count: int = 3) -> list[list[str]]:
    """Return up to ``count`` non-empty values of each column, for the mapping step."""
    samples: list[list[str]] = [[] for _header in table.headers]
    for row in table.rows:
        for index, value in enumerate(row):
            if value and len(samples[index]) < count:
                samples[index].append(value[:80])
        if all(len(column) >= count for column in samples):
            break
    return samples


def _read_or_restart(request: HttpRequest, upload: ImportUpload) -> Table | None:
    try:
        return _table(upload)
    except ImportFileError as exc:  # the stored file was readable once: only a limit changed
        messages.error(request, str(exc))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def client_import_mapping(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Assign each column of the file to a client field, or ignore it; optionally as a preset."""
    upload = access_import_upload(request.user, upload_id)
    table = _read_or_restart(request, upload)
    if table is None:
        return redirect("clients:import")
    initial = {f"col_{index}": target for index, target in upload.mapping.items()}
    form = ImportMappingForm(
        request.POST or None,
        headers=table.headers,
        samples=_samples(table),
        choices=target_choices(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["preset_name"].strip() if form.cleaned_data["save_preset"] else ""
        import_mapping_save(upload=upload, table=table, mapping=form.mapping(), preset_name=name)
        if name:
            messages.success(request, _("The mapping “%(name)s” was saved.") % {"name": name})
        return redirect("clients:import_preview", upload.pk)
    context = {"upload": upload, "form": form, "row_count": len(table.rows)}
    return render(request, "clients/client_import_mapping.html", context)


@login_required
@require_GET
def client_import_preview(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Show what the import would create, update and skip, with every problem by row."""
    upload = access_import_upload(request.user, upload_id)
    table = _read_or_restart(request, upload)
    if table is None:
        return redirect("clients:import")
    rows = import_rows_build(user=request.user, table=table, mapping=upload.mapping)
    counts = {
        action: sum(1 for row in rows if row.action == action)
        for action in (CREATE, UPDATE, SKIP, ERROR)
    }
    mapped = [
        (table.headers[int(index)], str(TARGETS.get(target, target)))
        for index, target in sorted(upload.mapping.items(), key=lambda item: int(item[0]))
        if int(index) < len(table.headers)
    ]
    ignored = [
        header for index, header in enumerate(table.headers) if str(index) not in upload.mapping
    ]
    context = {
        "upload": upload,
        "format_label": format_label(upload.detected_format),
        "rows": rows[:PREVIEW_ROWS],
        "hidden_rows": max(len(rows) - PREVIEW_ROWS, 0),
        "counts": counts,
        "importable": counts[CREATE] + counts[UPDATE],
        "mapped": mapped,
        "ignored": [header for header in ignored if header],
        "confirm_form": ImportConfirmForm(),
    }
    return render(request, "clients/client_import_preview.html", context)


@login_required
@require_POST
def client_import_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Create and update every client of the previewed file in one transaction, or none."""
    form = ImportConfirmForm(request.POST)
    form.is_valid()
    skip_errors = bool(form.cleaned_data.get("skip_errors"))
    with transaction.atomic():
        # The row lock makes a double click wait, then find the upload gone: one import only.
        upload = (
            ImportUpload.objects.owned_by(request.user)
            .select_for_update()
            .filter(pk=upload_id)
            .first()
        )
        if upload is None:
            if ImportUpload.objects.filter(pk=upload_id).exists():
                raise Http404  # another freelancer's upload looks missing
            messages.error(request, _("This import was already done or discarded."))
            return redirect("clients:list")
        try:
            result = import_commit(
                user=request.user,
                table=_table(upload),
                mapping=upload.mapping,
                skip_errors=skip_errors,
            )
        except (ImportRefused, ImportFileError) as exc:
            messages.error(request, _("Nothing was imported. %(error)s") % {"error": exc})
            return redirect("clients:import_preview", upload.pk)
        upload.delete()
    messages.success(
        request,
        _("Import done: %(created)d new, %(updated)d updated, %(skipped)d skipped.")
        % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
    )
    return redirect("clients:list")


@login_required
@require_POST
def client_import_discard(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Throw an unfinished import away."""
    upload = access_import_upload(request.user, upload_id)
    upload.delete()
    messages.info(request, _("The uploaded file was discarded."))
    return redirect("clients:import")
