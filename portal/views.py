"""The client portal: one project shown to its client through a private, revocable token link.

No login: the token is the key. It is looked up in the database as the exact string (a unique
index), revoked and expired links answer 404 like a wrong token, and the pages show only that one
project: nothing else of the freelancer's data is reachable from them. Labels are in the client's
language, sentences addressed to the client in their form of address (context "formal" or
"informal" for the translator: Sie / du).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.audit import audit_record
from crm.backends import client_ip
from crm.models import AuditEntry
from crm.ratelimits import rate_limit
from projects import documents
from projects.access import access_project
from projects.models import ChangeRequest, Invoice, Offer, Project, RevisionRound
from timeline.models import Activity
from timeline.services import activity_record

from .access import access_portal_link
from .models import PortalLink

logger = logging.getLogger(__name__)

PORTAL_ACTOR = "client portal"
# URL-safe base64 as secrets.token_urlsafe makes it; anything else (NUL bytes, spaces) is not a
# token and never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- Access ---------------------------------------------------------------------------------


def portal_link_for_token(token: str, *, today: datetime.date) -> PortalLink:
    """Return the live link with exactly this token, or raise Http404 (wrong, revoked, expired)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise Http404
    link = (
        PortalLink.objects.select_related("project__client", "owner__profile")
        .filter(token=token, revoked_at__isnull=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .first()
    )
    if link is None:
        raise Http404
    portal_link_check_expiry(link, today=today)
    return link


class PortalLinkEnded(Http404):
    """A real link whose project was cancelled, or ended longer ago than the setting allows."""


def portal_link_check_expiry(link: PortalLink, *, today: datetime.date) -> None:
    """Raise PortalLinkEnded when the project is cancelled, or finished more than
    PORTAL_LINK_DAYS_AFTER_END days ago (links expire by default, not only when revoked)."""
    project = link.project
    if project.status == project.Status.CANCELLED:
        raise PortalLinkEnded
    ended = project.ended_on
    days = datetime.timedelta(days=settings.PORTAL_LINK_DAYS_AFTER_END)
    if ended and project.status == project.Status.CLOSED and today > ended + days:
        raise PortalLinkEnded


# --- Services -------------------------------------------------------------------------------


def portal_link_create(
    *, project: Project, actor: Any, expires_on: datetime.date | None = None
) -> PortalLink:
    """Create a new private link for the project. Not idempotent: each call makes a new link."""
    link = PortalLink.objects.create(owner=project.owner, project=project, expires_on=expires_on)
    audit_record(
        owner=project.owner,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=project,
        changes={"portal_link": [None, f"created ({link.token[:6]}…)"]},
    )
    return link


def portal_link_revoke(*, link: PortalLink, actor: Any) -> PortalLink:
    """Revoke the link at once; safe to run twice (a revoked link stays revoked as it was)."""
    updated = PortalLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
    link.refresh_from_db()
    if updated:
        audit_record(
            owner=link.owner,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=link.project,
            changes={"portal_link": [f"{link.token[:6]}…", "revoked"]},
        )
    return link


def current_offer(project: Project) -> Offer | None:
    """Return the offer the client should see: an open (sent) one first, else the newest sent."""
    is_open = Case(When(status=Offer.Status.SENT, then=Value(1)), default=Value(0))
    return (
        Offer.objects.filter(project=project)
        .exclude(status=Offer.Status.DRAFT)
        .annotate(is_open=is_open)
        .order_by("-is_open", "-issued_on", "-version", "-pk")
        .first()
    )


class AcceptOutcome:
    ACCEPTED = "accepted"
    ALREADY_ACCEPTED = "already_accepted"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    NOT_OPEN = "not_open"


@dataclass
class AcceptResult:
    outcome: str
    offer: Offer | None


def portal_offer_accept(
    *,
    link: PortalLink,
    offer_id: int,
    version: int,
    name: str,
    ip: str | None,
    now: datetime.datetime,
) -> AcceptResult:
    """Accept the project's current offer for the client; record who, when, from where, which.

    Writes the offer, an activity, an audit entry, and mails the freelancer after commit. Safe to
    run twice: the offer row is locked, and a second call answers ALREADY_ACCEPTED, changing
    nothing. An old version, a superseded or an expired offer is refused the same way.
    """
    project = link.project
    today = timezone.localdate(now)
    with transaction.atomic():
        # The lock serialises two acceptances racing (double click, two tabs).
        offer = Offer.objects.select_for_update().filter(project=project, pk=offer_id).first()
        if offer is None or offer.status == Offer.Status.DRAFT:
            return AcceptResult(AcceptOutcome.NOT_OPEN, None)
        if offer.status == Offer.Status.ACCEPTED:
            return AcceptResult(AcceptOutcome.ALREADY_ACCEPTED, offer)
        newer = (
            Offer.objects.filter(project=project, number=offer.number, version__gt=offer.version)
            .exclude(status=Offer.Status.DRAFT)
            .exists()
        )
        if offer.status == Offer.Status.SUPERSEDED or newer or offer.version != version:
            return AcceptResult(AcceptOutcome.SUPERSEDED, offer)
        if offer.status == Offer.Status.EXPIRED or offer.valid_until < today:
            return AcceptResult(AcceptOutcome.EXPIRED, offer)
        if offer.status != Offer.Status.SENT:
            return AcceptResult(AcceptOutcome.NOT_OPEN, offer)
        offer.status = Offer.Status.ACCEPTED
        offer.accepted_at = now
        offer.accepted_by_name = name
        offer.accepted_ip = ip
        offer.save(
            update_fields=["status", "accepted_at", "accepted_by_name", "accepted_ip", "updated_at"]
        )
        owner = link.owner
        with translation.override(_owner_language(owner)):
            summary = _("Offer %(offer)s accepted in the client portal by %(name)s") % {
                "offer": str(offer),
                "name": name,
            }
        activity_record(
            client=project.client,
            kind=Activity.Kind.OFFER,
            summary=summary,
            detail=f"IP: {ip or '-'}",
            occurred_at=now,
            project=project,
            offer=offer,
        )
        audit_record(
            owner=owner,
            actor=PORTAL_ACTOR,
            action=AuditEntry.Action.STATUS,
            obj=offer,
            changes={
                "status": [Offer.Status.SENT, Offer.Status.ACCEPTED],
                "accepted_by_name": [None, name],
                "accepted_ip": [None, ip],
                "version": [None, offer.version],
            },
        )
        offer_pk = offer.pk
        transaction.on_commit(lambda: _notify_acceptance(offer_pk))
    return AcceptResult(AcceptOutcome.ACCEPTED, offer)


def portal_change_request_create(
    *, link: PortalLink, title: str, description: str, now: datetime.datetime
) -> ChangeRequest:
    """Turn the client's wish into an open change request; mails the freelancer. Not idempotent."""
    project = link.project
    with transaction.atomic():
        change = ChangeRequest.objects.create(
            owner=link.owner,
            project=project,
            title=title,
            description=description,
            requested_on=timezone.localdate(now),
            source=ChangeRequest.Source.PORTAL,
        )
        with translation.override(_owner_language(link.owner)):
            summary = _("Change requested in the client portal: %(title)s") % {"title": title}
        activity_record(
            client=project.client,
            kind=Activity.Kind.CHANGE_REQUEST,
            summary=summary,
            detail=description,
            occurred_at=now,
            project=project,
            change_request=change,
        )
        change_pk = change.pk
        transaction.on_commit(lambda: _notify_change_request(change_pk))
    return change


def _owner_language(owner: Any) -> str:
    return owner.profile_or_default.language or settings.LANGUAGE_CODE


def _freelancer_address(owner: Any) -> str:
    return owner.email or owner.profile_or_default.reply_address


def _notify(owner: Any, subject: str, body: str) -> None:
    address = _freelancer_address(owner)
    if not address:
        return
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # The acceptance stands; the dashboard shows it even if the mail fails.
        logger.exception("Could not notify %s", address)


def _notify_acceptance(offer_id: int) -> None:
    """Mail the freelancer that the client accepted the offer (in the freelancer's language)."""
    offer = Offer.objects.select_related("project__client", "owner__profile").get(pk=offer_id)
    with translation.override(_owner_language(offer.owner)):
        subject = _("%(client)s accepted offer %(offer)s") % {
            "client": offer.project.client.name,
            "offer": str(offer),
        }
        body = _(
            "%(name)s accepted offer %(offer)s for the project “%(project)s” in the client "
            "portal on %(when)s (IP %(ip)s)."
        ) % {
            "name": offer.accepted_by_name,
            "offer": str(offer),
            "project": offer.project.title,
            "when": timezone.localtime(offer.accepted_at).strftime("%Y-%m-%d %H:%M"),
            "ip": offer.accepted_ip or "-",
        }
    _notify(offer.owner, subject, body)


def _notify_change_request(change_id: int) -> None:
    """Mail the freelancer about a change request from the portal."""
    change = ChangeRequest.objects.select_related("project__client", "owner__profile").get(
        pk=change_id
    )
    with translation.override(_owner_language(change.owner)):
        subject = _("%(client)s asked for a change: %(title)s") % {
            "client": change.project.client.name,
            "title": change.title,
        }
        body = _("Project “%(project)s”.") % {"project": change.project.title}
    _notify(change.owner, subject, f"{body}\n\n{change.description}")


# --- Forms ----------------------------------------------------------------------------------


class PortalLinkForm(forms.Form):
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def clean_expires_on(self) -> datetime.date | None:
        value = self.cleaned_data["expires_on"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."), code="past")
        return value


class AcceptForm(forms.Form):
    offer = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)
    full_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        min_length=2,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "name"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I accept this offer with the scope, price and terms shown."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please type your full name."), code="short")
        return name


class ChangeForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("What should change? (in a few words)"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Please describe the change."), code="blank")
        return title


# --- Public views ---------------------------------------------------------------------------


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

    Under that policy browsers send ``Origin: null`` with the form's POST, which Django's origin
    check rejects. Only that exact value is taken as our own origin; the token check (cookie and
    form field) still runs in full, and any other foreign Origin is still refused.
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


def _page_context(link: PortalLink, today: datetime.date) -> dict[str, Any]:
    project = (
        Project.objects.annotate(
            revisions_used=Count(
                "revisions", filter=Q(revisions__billing=RevisionRound.Billing.INCLUDED)
            )
        )
        .select_related("client")
        .get(pk=link.project_id)
    )
    milestones = list(project.milestones.all())
    for milestone in milestones:
        milestone.state = milestone.state_on(today)
    scope = list(project.scope_items.all())
    offer = current_offer(project)
    invoices = list(
        Invoice.objects.filter(project=project, client=project.client)
        .exclude(status=Invoice.Status.DRAFT)
        .exclude(number="")
        .order_by("-issued_on", "-pk")
    )
    offer_state = ""
    if offer is not None:
        if offer.status == Offer.Status.SENT and offer.valid_until < today:
            offer_state = AcceptOutcome.EXPIRED
        elif offer.status == Offer.Status.SENT:
            offer_state = "open"
        else:
            offer_state = offer.status
    return {
        "link": link,
        "project": project,
        "client": project.client,
        "tone": project.client.tone,
        "freelancer": link.owner.profile_or_default,
        "milestones": milestones,
        "scope_in": [item for item in scope if item.is_in_scope],
        "scope_out": [item for item in scope if not item.is_in_scope],
        "offer": offer,
        "offer_state": offer_state,
        "invoices": invoices,
        "today": today,
    }


def _render_page(
    request: HttpRequest,
    link: PortalLink,
    *,
    accept_form: AcceptForm | None = None,
    change_form: ChangeForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    context = _page_context(link, today)
    offer = context["offer"]
    context["accept_form"] = accept_form or AcceptForm(
        initial={"offer": offer.pk, "version": offer.version} if offer else None
    )
    context["change_form"] = change_form or ChangeForm()
    context["problem"] = problem
    context["done"] = request.GET.get("done", "") if status == 200 else ""
    return render(request, "portal/page.html", context, status=status)


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
        if result.outcome == AcceptOutcome.ACCEPTED:
            return redirect(f"{reverse('portal:page', args=[link.token])}?done=accepted")
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
        return redirect(f"{reverse('portal:page', args=[link.token])}?done=change")


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@portal_view
@rate_limit(group="portal_pdf", rate_setting="PORTAL_RATE_LIMIT_PDF", methods=("GET",))
@require_GET
def portal_offer_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """Send the current offer's PDF (only that one offer, only through the token)."""
    link = portal_link_for_token(token, today=timezone.localdate())
    offer = current_offer(link.project)
    if offer is None:
        raise Http404
    return _pdf_response(documents.offer_pdf(offer), f"{offer.number}-v{offer.version}.pdf")


@portal_view
@rate_limit(group="portal_pdf", rate_setting="PORTAL_RATE_LIMIT_PDF", methods=("GET",))
@require_GET
def portal_invoice_pdf(request: HttpRequest, token: str, invoice_id: int) -> HttpResponse:
    """Send the PDF of an issued invoice of this project and client."""
    link = portal_link_for_token(token, today=timezone.localdate())
    invoice = (
        Invoice.objects.filter(pk=invoice_id, project=link.project, client=link.project.client)
        .exclude(status=Invoice.Status.DRAFT)
        .exclude(number="")
        .first()
    )
    if invoice is None:
        raise Http404
    return _pdf_response(documents.invoice_pdf(invoice), f"{invoice.number}.pdf")


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
    links = list(PortalLink.objects.owned_by(request.user).filter(project=project).order_by("-pk"))
    today = timezone.localdate()
    for link in links:
        link.is_live = link.revoked_at is None and (not link.expires_on or link.expires_on >= today)
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
