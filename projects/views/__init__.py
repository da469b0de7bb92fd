"""Views of the projects app, one module per subdomain: they speak HTTP; services decide.

Every view that takes an id starts with an ``access_*`` helper (``projects.access``), so
another freelancer's id answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse


def form_errors_to_messages(request: HttpRequest, form: Any) -> None:
    """Show each error of an invalid form as a message (for forms posted from another page)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def pdf_response(request: HttpRequest, pdf: bytes, filename: str) -> HttpResponse:
    """Return the PDF inline in the browser's viewer, or as a download with ``?download=1``."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # The PDF viewer runs in the browser tab; it needs no network and no framing from elsewhere.
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xml_response(xml: bytes, filename: str) -> HttpResponse:
    """Return an e-invoice XML file as a download."""
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
