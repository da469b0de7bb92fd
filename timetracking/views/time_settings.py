"""The freelancer's time settings and the hourly rates agreed with clients."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..forms import ClientRateForm, TimeSettingsForm
from ..models import ClientRate


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The time settings, and the rates agreed with clients (two forms on one page)."""
    settings = services.settings_for(request.user)
    form = TimeSettingsForm(instance=settings)
    rate_form = ClientRateForm(user=request.user)
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "rate":
            rate_form = ClientRateForm(request.POST, user=request.user)
            if rate_form.is_valid():
                services.client_rate_set(
                    owner=request.user,
                    client=rate_form.cleaned_data["client"],
                    hourly_rate=rate_form.cleaned_data.get("hourly_rate"),
                )
                messages.success(request, _("Client rate saved."))
                return redirect("timetracking:settings")
        else:
            form = TimeSettingsForm(request.POST, instance=settings)
            if form.is_valid():
                services.settings_save(settings=form.save(commit=False))
                messages.success(request, _("Time settings saved."))
                return redirect("timetracking:settings")
        status = 422
    return render(
        request,
        "timetracking/settings.html",
        {
            "form": form,
            "rate_form": rate_form,
            "rates": list(ClientRate.objects.owned_by(request.user).select_related("client")),
        },
        status=status,
    )
