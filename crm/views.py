"""Views of the crm app: the freelancer's settings, language switch, health check."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.defaults import server_error as default_server_error

from . import services
from .forms import ProfileForm
from .models import Profile
from .senders import sender_context

LANGUAGE_CODES = set(Profile.Language.values)
logger = logging.getLogger(__name__)

# Seconds a client is asked to wait while the database is down (restarts take a few seconds).
RETRY_AFTER_SECONDS = 10


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit the freelancer's business details and preferences."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            profile = services.profile_update(form=form)
            translation.activate(profile.language)
            messages.success(request, _("Your settings were saved."))
            response = redirect("crm:profile")
            _remember_language(response, profile.language)
            return response
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    context = {"form": form, **sender_context(profile)}
    return render(request, "crm/profile_form.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: on the profile when logged in, and in a cookie."""
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    _remember_language(response, language)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers, else 503 (for load balancers and `make run`)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: the database does not answer", exc_info=True)
        response = JsonResponse({"status": "database unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok"})


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """Return the 503 page shown while the database is down (it queries nothing itself)."""
    retry_url = request.get_full_path() if request.method in {"GET", "HEAD"} else "/"
    response = HttpResponse(render_to_string("503.html", {"retry_url": retry_url}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an unhandled exception: 503 when the database is unreachable, else the 500 page.

    Django calls this (``handler500``) inside the ``except`` block of any view or middleware,
    so the session lookup of a request made while PostgreSQL restarts lands here too. A lost or
    refused connection is an outage to wait out, not a bug: the visitor gets a page that says
    so, with Retry-After, and the next request reconnects (CONN_HEALTH_CHECKS).
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return default_server_error(request)
