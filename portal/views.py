"""Views of the client portal: one project shown to its client through a private token link,
and the freelancer's page to create and revoke those links.

No login: the token is the key (``portal.access``). Revoked and expired links answer 404 like a
wrong token, and the pages show only that one project. Labels are in the client's language,
sentences addressed to the client in their form of address (context "formal" or "informal" for
the translator: Sie / du).

CSRF on the client's forms: the public pages send ``Referrer-Policy: no-referrer`` (a token in
the URL must not leak to other sites). Under that policy browsers send ``Origin: null`` with the
form's POST, and Django's origin check rejects a null origin, so the stock middleware would
refuse every acceptance. ``portal_csrf_protect`` therefore takes exactly ``Origin: null`` as our
own origin and then runs Django's complete CSRF check (cookie and form token): a POST without
the token, and any other foreign Origin, is still refused with 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.backends import client_ip
from crm.ratelimits import rate_limit
from projects import documents
from projects.access import access_project
from projects.einvoice import exports
from projects.views import xml_response

from .access import PortalLinkEnded, access_portal_link, portal_link_for_token
from .forms import AcceptForm, ChangeForm, PortalLinkForm
from .models import PortalLink
from .selectors import current_offer, issued_invoices, portal_links, portal_page_data
from .services import (
    ACCEPTED,
    portal_change_request_create,
    portal_link_create,
    portal_link_revoke,
    portal_offer_accept,
)


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a public portal view: private-page headers, and a plain 404 page for bad tokens."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except PortalLinkEnded:
            response = render(request, "portal/ended.html", status=410)
        except Http404:
            response = render(request, "portal/not_found.html", status=404)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapper


def portal_csrf_protect(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check the CSRF token of a portal form whose page sends ``Referrer-Policy: no-referrer``.

    Only ``Origin: null`` is taken as our own origin (see the module docstring); the token check
    (cookie and form field) still runs in full, and any other foreign Origin is still refused.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.META.get("HTTP_ORIGIN") == "null":
            scheme = "https" if request.is_secure() else "http"
            request.META["HTTP_ORIGIN"] = f"{scheme}://{request.get_host()}"
        rejection = CsrfViewMiddleware(_no_response).process_view(request, None, (), {})
        if rejection is not None:
            return rejection
        return view(request, *args, **kwargs)

    return wrapper


def _no_response(request: HttpRequest) -> HttpResponse:
    raise AssertionError("unused")


def _render_page(
    request: HttpRequest,
    link: PortalLink,
    *,
    accept_form: AcceptForm | None = None,
    change_form: ChangeForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context = portal_page_data(link, timezone.localdate())
    offer = context["offer"]
    context["accept_form"] = accept_form or AcceptForm(
        initial={"offer": offer.pk, "version": offer.version} if offer else None
    )
    context["change_form"] = change_form or ChangeForm()
    context["problem"] = problem
    context["done"] = request.GET.get("done", "") if status == 200 else ""
    return render(request, "portal/page.html", context, status=status)


def _page_url(link: PortalLink, done: str) -> str:
    return f"{reverse('portal:page', args=[link.token])}?done={done}"


@portal_view
@require_GET
def portal_page(request: HttpRequest, token: str) -> HttpResponse:
    """Show the client their project: status, milestones, scope, revisions, offer, invoices."""
    link = portal_link_for_token(token, today=timezone.localdate())
    with translation.override(link.project.client.language):
        return _render_page(request, link)


@portal_view
@rate_limit(group="portal_accept", rate_setting="PORTAL_RATE_LIMIT_POST", per="token")
@portal_csrf_protect
@require_POST
def portal_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept the current offer: typed full name and a confirmation; refuse anything stale."""
    link = portal_link_for_token(token, today=timezone.localdate())
    with translation.override(link.project.client.language):
        form = AcceptForm(request.POST)
        if not form.is_valid():
            return _render_page(request, link, accept_form=form, status=400)
        result = portal_offer_accept(
            link=link,
            offer_id=form.cleaned_data["offer"],
            version=form.cleaned_data["version"],
            name=form.cleaned_data["full_name"],
            ip=client_ip(request),
            now=timezone.now(),
        )
        if result.outcome == ACCEPTED:
            return redirect(_page_url(link, "accepted"))
        return _render_page(request, link, problem=result.outcome, status=409)


@portal_view
@rate_limit(group="portal_change", rate_setting="PORTAL_RATE_LIMIT_POST", per="token")
@portal_csrf_protect
@require_POST
def portal_change(request: HttpRequest, token: str) -> HttpResponse:
    """Record the client's request for a change as an open change request."""
    link = portal_link_for_token(token, today=timezone.localdate())
    with translation.override(link.project.client.language):
        form = ChangeForm(request.POST)
        if not form.is_valid():
            return _render_page(request, link, change_form=form, status=400)
        portal_change_request_create(
            link=link,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            now=timezone.now(),
        )
        return redirect(_page_url(link, "change"))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@portal_view
@rate_limit(group="portal_pdf", rate_setting="PORTAL_RATE_LIMIT_PDF", methods=("GET",), per="token")
@require_GET
def portal_offer_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """Send the current offer's PDF (only that one offer, only through the token)."""
    link = portal_link_for_token(token, today=timezone.localdate())
    offer = current_offer(link.project)
    if offer is None:
        raise Http404
    return _pdf_response(documents.offer_pdf(offer), f"{offer.number}-v{offer.version}.pdf")


@portal_view
@rate_limit(group="portal_pdf", rate_setting="PORTAL_RATE_LIMIT_PDF", methods=("GET",), per="token")
@require_GET
def portal_invoice_pdf(request: HttpRequest, token: str, invoice_id: int) -> HttpResponse:
    """Send the PDF of an issued invoice of this project and client."""
    link = portal_link_for_token(token, today=timezone.localdate())
    invoice = issued_invoices(link.project).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return _pdf_response(documents.invoice_pdf(invoice), f"{invoice.number}.pdf")


@portal_view
@rate_limit(group="portal_pdf", rate_setting="PORTAL_RATE_LIMIT_PDF", methods=("GET",))
@require_GET
def portal_invoice_xrechnung(request: HttpRequest, token: str, invoice_id: int) -> HttpResponse:
    """Send an issued invoice of this project as XRechnung (when the client has a Leitweg-ID)."""
    link = portal_link_for_token(token, today=timezone.localdate())
    invoice = issued_invoices(link.project).filter(pk=invoice_id).first()
    if invoice is None or not exports.xrechnung_available(invoice):
        raise Http404
    return xml_response(
        exports.xrechnung_for(invoice, documents.invoice_data(invoice)),
        exports.xrechnung_filename(invoice),
    )


# --- Freelancer views -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def portal_manage(request: HttpRequest, project_id: int) -> HttpResponse:
    """List the project's portal links and create a new one."""
    project = access_project(request.user, project_id)
    form = PortalLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        portal_link_create(
            project=project, actor=request.user, expires_on=form.cleaned_data["expires_on"]
        )
        return redirect("portal:manage", project_id=project.pk)
    links = portal_links(user=request.user, project=project, today=timezone.localdate())
    for link in links:
        link.url = request.build_absolute_uri(reverse("portal:page", args=[link.token]))
    return render(
        request,
        "portal/manage.html",
        {"project": project, "links": links, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def portal_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    """Revoke a portal link; the client's next visit gets 404."""
    link = access_portal_link(request.user, link_id)
    portal_link_revoke(link=link, actor=request.user)
    return redirect("portal:manage", project_id=link.project_id)
