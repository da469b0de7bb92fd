"""Release or discard a held message: by a client's reply or a paused client (in place).

Posted from the dashboard cards, the client page and the message page (``next``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .views import access_message


def _answer(request: HttpRequest, message: object, error: str = "") -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "communications/_replies_card.html#held-row",
            {"message": message, "error": error},
        )
    if error:
        flash.error(request, error)
    # Back to the message or client page it was posted from; else the freelancer's day.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = settings.LOGIN_REDIRECT_URL
    return redirect(target)


@login_required
@require_POST
def held_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release a held message: a held draft back to the drafts, an approved one to be sent."""
    message = access_message(request.user, pk)
    try:
        message = services.message_release(message=message)
    except services.MessageStateError as exc:
        return _answer(request, message, str(exc))
    if not request.htmx:
        flash.success(
            request,
            _("Released: back in your drafts, for approval.")
            if message.status == message.Status.DRAFT
            else _("Released: it will go out."),
        )
    return _answer(request, message)


@login_required
@require_POST
def held_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Discard a held message (it will not be sent)."""
    message = access_message(request.user, pk)
    try:
        message = services.message_cancel(message=message)
    except services.MessageStateError as exc:
        return _answer(request, message, str(exc))
    if not request.htmx:
        flash.success(request, _("Discarded: it will not be sent."))
    return _answer(request, message)
