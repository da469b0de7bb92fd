"""Views for sending as yourself: choose the sender address, confirm it through a mailed link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import senders
from .forms import SenderAddressForm
from .models import Profile
from .sender_confirmation import sender_confirmation_send


def _back(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("crm:profile")


@login_required
@require_POST
def sender_address(request: HttpRequest) -> HttpResponse:
    """Save the sender address and mail it a confirmation link (again, on request)."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = SenderAddressForm(request.POST, prefix="sender")
    if not form.is_valid():
        messages.error(
            request,
            _("That is not a valid e-mail address: %(errors)s")
            % {"errors": " ".join(form.errors.get("sender_email", []))},
        )
        return _back(request)
    address = form.cleaned_data["sender_email"]
    if senders.sender_address_set(profile=profile, address=address) or "resend" in request.POST:
        if sender_confirmation_send(profile=profile):
            messages.success(
                request,
                _("We sent a link to %(address)s. Open it to confirm the address is yours.")
                % {"address": address},
            )
        else:
            messages.warning(
                request,
                _("A link went out a moment ago. Check your inbox, or ask again in two minutes."),
            )
    elif not address:
        messages.success(request, _("Client mail comes from the service's address again."))
    return _back(request)


@require_http_methods(["GET", "POST"])
def sender_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the sender address: the link shows a button (mail scanners only GET)."""
    try:
        profile = senders.sender_token_check(token)
    except senders.SenderTokenError:
        return render(request, "crm/sender_verify.html", {"invalid": True}, status=400)
    if request.method == "POST":
        senders.sender_verify(profile=profile)
        return render(request, "crm/sender_verify.html", {"done": True, "profile": profile})
    return render(request, "crm/sender_verify.html", {"profile": profile})
