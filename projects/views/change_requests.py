"""Views of change requests: log one on the project page, decide it on its own page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import access_change_request, access_project
from ..forms.change_requests import ChangeAcceptForm, ChangeDeclineForm, ChangeRequestForm
from ..models import ChangeRequest
from ..services import ProjectError
from ..services import change_requests as services
from . import form_errors_to_messages


@login_required
@require_POST
def change_request_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = ChangeRequestForm(request.POST)
    if form.is_valid():
        change_request = form.save(commit=False)
        change_request.project = project
        services.change_request_log(change_request=change_request, actor=request.user)
        messages.success(request, _("Change request logged. Decide on it when you are ready."))
        return redirect("projects:change_request_detail", change_request.pk)
    form_errors_to_messages(request, form)
    return redirect(project)


def _decide(
    request: HttpRequest,
    change_request: ChangeRequest,
    decision: str,
    accept_form: ChangeAcceptForm,
    decline_form: ChangeDeclineForm,
) -> str:
    """Carry out the posted decision; return the success message, or "" (the forms say why)."""
    if decision == "accept" and accept_form.is_valid():
        services.change_request_accept(
            change_request=change_request, actor=request.user, **accept_form.cleaned_data
        )
        return _("Accepted. A reply is drafted in the outbox.")
    if decision == "decline" and decline_form.is_valid():
        services.change_request_decline(
            change_request=change_request,
            alternative=decline_form.cleaned_data["alternative"],
            actor=request.user,
        )
        return _("Declined with an alternative. A reply is drafted.")
    if decision not in {"accept", "decline"}:
        messages.error(request, _("Choose to accept or to decline."))
    return ""


@login_required
def change_request_detail(request: HttpRequest, change_request_id: int) -> HttpResponse:
    change_request = access_change_request(request.user, change_request_id)
    posted = request.method == "POST"
    decision = request.POST.get("decision", "") if posted else ""
    accept_form = ChangeAcceptForm(
        request.POST if decision == "accept" else None, initial={"deadline_impact_days": 0}
    )
    decline_form = ChangeDeclineForm(request.POST if decision == "decline" else None)
    if posted:
        try:
            done = _decide(request, change_request, decision, accept_form, decline_form)
        except ProjectError as error:
            done = ""
            messages.error(request, str(error))
        if done:
            messages.success(request, done)
            return redirect("projects:change_request_detail", change_request.pk)
        change_request.refresh_from_db()
    return render(
        request,
        "projects/change_request_detail.html",
        {
            "change_request": change_request,
            "project": change_request.project,
            "accept_form": accept_form,
            "decline_form": decline_form,
        },
        status=422 if posted else 200,
    )
