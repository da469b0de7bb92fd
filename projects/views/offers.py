"""Views of offers: create, the offer page with its versions, edit, send, answer, PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.services import notes_prominent_for

from .. import documents
from ..access import access_offer, access_project
from ..forms.lines import line_edits
from ..forms.offers import OfferForm, OfferLineFormSet
from ..models import Offer
from ..selectors.offers import offer_versions
from ..services import ProjectError
from ..services import offers as services
from . import pdf_response


@login_required
@require_POST
def offer_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    offer = services.offer_create(project=project, actor=request.user)
    messages.success(request, _("Offer %(offer)s created as a draft.") % {"offer": offer})
    return redirect("projects:offer_edit", offer.pk)


@login_required
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    data = documents.offer_data(offer)
    return render(
        request,
        "projects/offer_detail.html",
        {
            "offer": offer,
            "project": offer.project,
            "doc": documents.document_context(data, is_draft=not offer.is_frozen),
            "versions": offer_versions(offer),
            "can_invoice": offer.status == Offer.Status.ACCEPTED,
        },
    )


@login_required
def offer_edit(request: HttpRequest, offer_id: int) -> HttpResponse:
    """Edit the offer; for a sent one the service saves the edit as the next version."""
    offer = access_offer(request.user, offer_id)
    project = offer.project
    data = request.POST if request.method == "POST" else None
    form = OfferForm(data, instance=offer)
    formset = OfferLineFormSet(data, instance=offer, prefix="lines")
    if data is not None and form.is_valid() and formset.is_valid():
        saved = services.offer_update(
            offer=offer, fields=form.cleaned_data, lines=line_edits(formset), actor=request.user
        )
        if saved.pk != offer.pk:
            messages.info(
                request,
                _("The sent version stays as it was; your changes are in %(offer)s.")
                % {"offer": saved},
            )
        else:
            messages.success(request, _("Offer saved."))
        return redirect("projects:offer_detail", saved.pk)
    return render(
        request,
        "projects/offer_form.html",
        {
            "offer": offer,
            "project": project,
            "client": project.client,
            "prominent_notes": notes_prominent_for(project.client),
            "form": form,
            "formset": formset,
        },
        status=422 if data is not None else 200,
    )


@login_required
@require_POST
def offer_send(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    try:
        services.offer_send(offer=offer, actor=request.user)
        messages.success(
            request, _("Offer sent and frozen. The e-mail to the client waits in the outbox.")
        )
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect("projects:offer_detail", offer.pk)


@login_required
@require_POST
def offer_status(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    try:
        services.offer_set_status(
            offer=offer, status=request.POST.get("status", ""), actor=request.user
        )
        messages.success(request, _("Offer status changed."))
    except (ProjectError, ValueError) as error:
        messages.error(request, str(error))
    return redirect("projects:offer_detail", offer.pk)


@login_required
@require_POST
def offer_new_version(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    new = services.offer_new_version(offer=offer, actor=request.user)
    return redirect("projects:offer_edit", new.pk)


@login_required
def offer_pdf(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    pdf = documents.offer_pdf(offer)
    return pdf_response(request, pdf, f"Angebot-{offer.number}-v{offer.version}.pdf")
