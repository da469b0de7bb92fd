"""Release or discard a message held by a client's reply (the dashboard card, in place)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
    return redirect(settings.LOGIN_REDIRECT_URL)  # the freelancer's day, where the card is


@login_required
@require_POST
def held_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a message held by a reply as planned (its next allowed moment)."""
    message = access_message(request.user, pk)
    try:
        message = services.message_release(message=message)
    except services.MessageStateError as exc:
        return _answer(request, message, str(exc))
    if not request.htmx:
        flash.success(request, _("Released: it will go out."))
    return _answer(request, message)


@login_required
@require_POST
def held_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Discard a message held by a reply (it will not be sent)."""
    message = access_message(request.user, pk)
    try:
        message = services.message_cancel(message=message)
    except services.MessageStateError as exc:
        return _answer(request, message, str(exc))
    if not request.htmx:
        flash.success(request, _("Discarded: it will not be sent."))
    return _answer(request, message)
