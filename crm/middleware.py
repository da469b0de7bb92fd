"""Request middleware: the freelancer's language and time zone, the page for a broken document."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from .pdf import DocumentError


class UserPreferencesMiddleware:
    """Activate the profile's language and time zone for authenticated requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = user.profile_or_default
            if profile.language:
                translation.activate(profile.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response


class DocumentErrorMiddleware:
    """Answer a document that cannot be built (``crm.pdf.DocumentError``) with a page that says
    what to do, never with the server error page: for the freelancer in the app, for the client
    in the portal (no login there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DocumentError):
            return None
        match = getattr(request, "resolver_match", None)
        for_client = bool(match and match.namespace == "portal")
        return render(
            request,
            "crm/document_error.html",
            {
                "base_template": "portal/base.html" if for_client else "base.html",
                "for_client": for_client,
                "document": str(exception),
            },
            status=409,  # the document's data conflicts with building it; not a server fault
        )
