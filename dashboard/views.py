"""The dashboard's pages: the freelancer's day (/) and the private calendar feed.

The day's cards come from ``cache.cards_context_cached`` (queries in selectors.py, chart
geometry in charts.py), the feed from ``calendar.calendar_build``; this module speaks HTTP.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from communications import services as comms
from communications.models import Message
from communications.timing import message_timing
from crm.models import Profile, is_token

from . import charts
from .cache import cards_context_cached
from .calendar import calendar_build
from .selectors import QUIET_DAYS


def _page_context(*, user: Any) -> dict[str, Any]:
    """Return what the page shows besides its cards (no queries)."""
    return {
        "currency": user.profile_or_default.default_currency,
        "quiet_days": QUIET_DAYS,
        "urls": {
            "messages": reverse("communications:list"),
            "projects": reverse("projects:list"),
            "invoices": reverse("projects:invoice_list"),
            "clients": reverse("clients:list"),
            "quick_note": reverse("clients:note_quick_add"),
        },
        **charts.chart_frame(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the freelancer's day; a POST approves or cancels one draft in place."""
    if request.method == "POST":
        return draft_decide(request)
    today = timezone.localdate()
    context = {
        "today": today,
        **_page_context(user=request.user),
        **cards_context_cached(user=request.user, today=today, now=timezone.now()),
    }
    return render(request, "dashboard/dashboard.html", context)


def draft_decide(request: HttpRequest) -> HttpResponse:
    """Approve or cancel the draft named by POST ``message``; htmx swaps in its new state.

    Posted to the dashboard URL itself, so the action needs no URL of its own.
    """
    message_id = request.POST.get("message", "")
    action = request.POST.get("action", "")
    if not (message_id.isdigit() and len(message_id) < 19) or action not in {"approve", "cancel"}:
        return HttpResponseBadRequest(_("Choose a draft and approve or cancel."))
    message = get_object_or_404(
        Message.objects.owned_by(request.user).select_related("client", "project"),
        pk=int(message_id),
    )
    if message.status == Message.Status.DRAFT:
        if action == "approve":
            message = comms.message_approve(message=message)
        else:
            message = comms.message_cancel(message=message)
    if not request.htmx:
        return redirect("dashboard:index")
    return render(
        request,
        "dashboard/dashboard.html#draft-row",
        {"message": message, "timing": message_timing(message)},
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve the feed of the freelancer whose calendar token this is exactly; else 404."""
    if not is_token(token):
        raise Http404
    profile = Profile.objects.select_related("user").filter(calendar_token=token).first()
    if profile is None or not profile.user.is_active:
        raise Http404
    with translation.override(profile.language or settings.LANGUAGE_CODE):
        content = calendar_build(user=profile.user, now=timezone.now())
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kundenpflege.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
