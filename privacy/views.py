"""Privacy pages: the calendar feed, account and client export, client erasure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import access_client
from crm.models import Profile
from crm.services import calendar_token_regenerate

from .erasure import ClientErasedError, client_erase, client_erased_entry
from .exports import account_export_zip, client_export_zip
from .forms import ErasureForm


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
