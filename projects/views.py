"""Views of the projects app: they speak HTTP; services in services.py decide."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import access_client
from clients.services import notes_prominent_for
from crm.audit import audit_snapshot

from . import documents, services
from .access import (
    access_change_request,
    access_invoice,
    access_milestone,
    access_offer,
    access_project,
    access_scope_item,
)
from .forms import (
    ChangeAcceptForm,
    ChangeDeclineForm,
    ChangeRequestForm,
    InvoiceForm,
    InvoiceLineFormSet,
    MilestoneForm,
    OfferForm,
    OfferLineFormSet,
    PaymentForm,
    ProjectForm,
    RevisionForm,
    ScopeItemForm,
    StatusForm,
)
from .models import (
    Invoice,
    Milestone,
    Offer,
    Project,
    RevisionRound,
)
from .services import ProjectError

# ---------------------------------------------------------------------------------------------
# Access helpers: another freelancer's id looks missing (404).


def _today() -> datetime.date:
    return timezone.localdate()


def project_health(milestones: list[Milestone], today: datetime.date) -> str:
    """Return the worst state of a project's open milestones (late > at risk > on track)."""
    states = {milestone.state_on(today) for milestone in milestones}
    for state in (Milestone.State.LATE, Milestone.State.AT_RISK, Milestone.State.ON_TRACK):
        if state in states:
            return state
    return Milestone.State.DONE if states else ""


# ---------------------------------------------------------------------------------------------
# Projects


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    projects = (
        Project.objects.owned_by(request.user)
        .select_related("client")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")))
        .order_by("-created_at")
    )
    status = request.GET.get("status", "")
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    rows = []
    for project in page.object_list:
        milestones = list(project.milestones.all())
        next_open = next((m for m in milestones if not m.done_on), None)
        rows.append(
            {
                "project": project,
                "health": project_health(milestones, today),
                "next_milestone": next_open,
                "next_state": next_open.state_on(today) if next_open else "",
            }
        )
    goodwill = list(services.goodwill_by_client(request.user)[:5])
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Project.Status.choices,
            "goodwill": goodwill,
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    client = None
    client_id = request.GET.get("client", "")
    if client_id.isdigit():
        client = access_client(request.user, int(client_id))
    if request.method == "POST":
        form = ProjectForm(request.POST, user=request.user)
        if form.is_valid():
            project = services.project_create(project=form.save(commit=False), actor=request.user)
            messages.success(request, _("Project created."))
            return redirect(project)
    else:
        form = ProjectForm(
            user=request.user, initial=services.project_defaults(user=request.user, client=client)
        )
    return render(request, "projects/project_form.html", {"form": form, "client": client})


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    today = _today()
    milestones = list(project.milestones.all())
    revisions = list(project.revisions.all())
    used = sum(1 for rnd in revisions if rnd.billing == RevisionRound.Billing.INCLUDED)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "client": project.client,
            "prominent_notes": notes_prominent_for(project.client),
            "scope_in": [i for i in project.scope_items.all() if i.is_in_scope],
            "scope_out": [i for i in project.scope_items.all() if not i.is_in_scope],
            "scope_form": ScopeItemForm(),
            "milestones": [(m, m.state_on(today)) for m in milestones],
            "health": project_health(milestones, today),
            "milestone_form": MilestoneForm(),
            "revisions": revisions,
            "revisions_used": used,
            "revisions_extra": len(revisions) - used,
            "revision_form": RevisionForm(
                project=project,
                initial={
                    "requested_on": today,
                    "billing": (
                        RevisionRound.Billing.INCLUDED
                        if used < project.revisions_agreed
                        else RevisionRound.Billing.GOODWILL
                    ),
                },
            ),
            "change_requests": list(project.change_requests.all()),
            "change_request_form": ChangeRequestForm(initial={"requested_on": today}),
            "offers": list(project.offers.order_by("-version")),
            "accepted_offers": [o for o in project.offers.all() if o.status == "accepted"],
            "invoices": list(project.invoices.order_by("-pk")),
            "status_form": StatusForm(initial={"status": project.status}),
            "next_statuses": [
                (value, Project.Status(value).label)
                for value in Project.Status.values
                if value in services.TRANSITIONS.get(project.status, set())
            ],
        },
    )


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    before = audit_snapshot(project)
    if request.method == "POST":
        form = ProjectForm(request.POST, instance=project, user=request.user)
        if form.is_valid():
            services.project_update(
                project=form.save(commit=False), before=before, actor=request.user
            )
            messages.success(request, _("Project saved."))
            return redirect(project)
    else:
        form = ProjectForm(instance=project, user=request.user)
    return render(
        request, "projects/project_form.html", {"form": form, "project": project, "client": None}
    )


@login_required
@require_POST
def project_status(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect(project)
    try:
        services.project_set_status(
            project=project, status=form.cleaned_data["status"], actor=request.user
        )
        messages.success(request, _("Status changed."))
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect(project)


# ---------------------------------------------------------------------------------------------
# Scope (htmx partials; full-page fallbacks without JavaScript)


def _scope_response(
    request: HttpRequest,
    project: Project,
    form: ScopeItemForm | None = None,
    editing: int | None = None,
) -> HttpResponse:
    items = list(project.scope_items.all())
    context = {
        "project": project,
        "scope_in": [i for i in items if i.is_in_scope],
        "scope_out": [i for i in items if not i.is_in_scope],
        "scope_form": form or ScopeItemForm(),
        "editing": editing,
    }
    if request.htmx:
        return render(request, "projects/project_detail.html#scope", context)
    if form is not None and form.errors:
        messages.error(
            request,
            _("The scope item was not saved: %(errors)s")
            % {"errors": "; ".join(e for errors in form.errors.values() for e in errors)},
        )
    return redirect(project)


@login_required
@require_POST
def scope_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = ScopeItemForm(request.POST)
    if form.is_valid():
        item = form.save(commit=False)
        item.project = project
        services.scope_item_add(item=item)
        return _scope_response(request, project)
    return _scope_response(request, project, form)


@login_required
def scope_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_scope_item(request.user, item_id)
    project = item.project
    if request.method == "POST":
        form = ScopeItemForm(request.POST, instance=item, prefix=f"scope{item.pk}")
        if form.is_valid():
            form.save()
            return _scope_response(request, project)
        if request.htmx:
            context = {"item": item, "item_form": form, "project": project}
            return render(request, "projects/_scope_item_form.html", context)
        return _scope_response(request, project, form)
    form = ScopeItemForm(instance=item, prefix=f"scope{item.pk}")
    return render(
        request,
        "projects/_scope_item_form.html" if request.htmx else "projects/scope_item_edit.html",
        {"item": item, "item_form": form, "project": project},
    )


@login_required
@require_POST
def scope_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_scope_item(request.user, item_id)
    project = item.project
    item.delete()
    return _scope_response(request, project)


@login_required
@require_POST
def scope_move(request: HttpRequest, item_id: int, direction: str) -> HttpResponse:
    item = access_scope_item(request.user, item_id)
    if direction not in {"up", "down"}:
        raise Http404
    services.scope_item_move(item=item, direction=direction)
    return _scope_response(request, item.project)


# ---------------------------------------------------------------------------------------------
# Milestones and revisions


def _warn(request: HttpRequest, milestone: Milestone) -> None:
    for warning in services.milestone_warnings(milestone=milestone):
        messages.warning(request, warning)


@login_required
@require_POST
def milestone_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone = form.save(commit=False)
        milestone.project = project
        milestone.save()
        messages.success(request, _("Milestone added."))
        _warn(request, milestone)
    else:
        _form_errors(request, form)
    return redirect(project)


@login_required
def milestone_edit(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = access_milestone(request.user, milestone_id)
    if request.method == "POST":
        form = MilestoneForm(request.POST, instance=milestone)
        if form.is_valid():
            form.save()
            messages.success(request, _("Milestone saved."))
            _warn(request, milestone)
            return redirect(milestone.project)
    else:
        form = MilestoneForm(instance=milestone)
    return render(
        request,
        "projects/milestone_form.html",
        {"form": form, "milestone": milestone, "project": milestone.project},
    )


@login_required
@require_POST
def milestone_delete(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = access_milestone(request.user, milestone_id)
    project = milestone.project
    milestone.delete()
    messages.success(request, _("Milestone deleted."))
    return redirect(project)


@login_required
@require_POST
def revision_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = RevisionForm(request.POST, project=project)
    if form.is_valid():
        revision = form.save(commit=False)
        revision.project = project
        try:
            services.revision_log(revision=revision, actor=request.user)
            messages.success(request, _("Revision round logged."))
        except ProjectError as error:
            messages.error(request, str(error))
    else:
        _form_errors(request, form)
    return redirect(project)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# ---------------------------------------------------------------------------------------------
# Change requests


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
    _form_errors(request, form)
    return redirect(project)


@login_required
def change_request_detail(request: HttpRequest, change_request_id: int) -> HttpResponse:
    change_request = access_change_request(request.user, change_request_id)
    accept_form = ChangeAcceptForm(
        initial={"deadline_impact_days": 0, "price": change_request.price}
    )
    decline_form = ChangeDeclineForm()
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "accept":
                accept_form = ChangeAcceptForm(request.POST)
                if accept_form.is_valid():
                    services.change_request_accept(
                        change_request=change_request,
                        actor=request.user,
                        **accept_form.cleaned_data,
                    )
                    messages.success(request, _("Accepted. A reply is drafted in the outbox."))
                    return redirect("projects:change_request_detail", change_request.pk)
            elif decision == "decline":
                decline_form = ChangeDeclineForm(request.POST)
                if decline_form.is_valid():
                    services.change_request_decline(
                        change_request=change_request,
                        alternative=decline_form.cleaned_data["alternative"],
                        actor=request.user,
                    )
                    messages.success(
                        request, _("Declined with an alternative. A reply is drafted.")
                    )
                    return redirect("projects:change_request_detail", change_request.pk)
            else:
                messages.error(request, _("Choose to accept or to decline."))
        except ProjectError as error:
            messages.error(request, str(error))
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
        status=422 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------------------------
# Offers


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
    context = documents.document_context(data, is_draft=not offer.is_frozen)
    versions = Offer.objects.owned_by(request.user).filter(number=offer.number).order_by("version")
    return render(
        request,
        "projects/offer_detail.html",
        {
            "offer": offer,
            "project": offer.project,
            "doc": context,
            "versions": versions,
            "can_invoice": offer.status == Offer.Status.ACCEPTED,
        },
    )


@login_required
def offer_edit(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    project = offer.project
    if request.method == "POST":
        data = request.POST
        with transaction.atomic():
            target = offer
            if offer.is_frozen:
                # A sent offer never changes: the edit becomes a new draft version, whose
                # lines are exactly the ones posted (as new rows).
                target = services.offer_new_version(offer=offer, actor=request.user)
                target.lines.all().delete()
                data = _as_new_lines(request.POST, "lines")
            before = audit_snapshot(target)
            form = OfferForm(data, instance=target)
            formset = OfferLineFormSet(data, instance=target, prefix="lines")
            if form.is_valid() and formset.is_valid():
                form.save()
                formset.save()
                services.edit_record(
                    obj=target,
                    before=before,
                    actor=request.user,
                    lines_changed=formset.has_changed(),
                )
                if target.pk != offer.pk:
                    messages.info(
                        request,
                        _("The sent version stays as it was; your changes are in %(offer)s.")
                        % {"offer": target},
                    )
                else:
                    messages.success(request, _("Offer saved."))
                return redirect("projects:offer_detail", target.pk)
            transaction.set_rollback(True)
        status = 422
    else:
        form = OfferForm(instance=offer)
        formset = OfferLineFormSet(instance=offer, prefix="lines")
        status = 200
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
        status=status,
    )


def _as_new_lines(post: Any, prefix: str) -> Any:
    """Return a copy of a posted line formset whose rows are all new (no ids)."""
    data = post.copy()
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    for key in list(data.keys()):
        if key.startswith(f"{prefix}-") and key.endswith("-id"):
            data[key] = ""
    return data


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


def _pdf_response(request: HttpRequest, pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # The PDF viewer runs in the browser tab; it needs no network and no framing from elsewhere.
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def offer_pdf(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_offer(request.user, offer_id)
    pdf = documents.offer_pdf(offer)
    return _pdf_response(request, pdf, f"Angebot-{offer.number}-v{offer.version}.pdf")


# ---------------------------------------------------------------------------------------------
# Invoices


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = (
        Invoice.objects.owned_by(request.user)
        .select_related("client", "project")
        .order_by("-issued_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    page = Paginator(invoices, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/invoice_list.html",
        {"page": page, "status": status, "statuses": Invoice.Status.choices, "today": _today()},
    )


@login_required
@require_POST
def invoice_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    offer = None
    offer_id = request.POST.get("offer", "")
    if offer_id.isdigit():
        offer = access_offer(request.user, int(offer_id))
        if offer.project_id != project.pk:
            raise Http404
    try:
        invoice = services.invoice_create(project=project, offer=offer, actor=request.user)
    except ProjectError as error:
        messages.error(request, str(error))
        return redirect(project)
    messages.success(request, _("Draft invoice created. Check it, then issue it."))
    return redirect("projects:invoice_edit", invoice.pk)


@login_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    data = documents.invoice_data(invoice)
    return render(
        request,
        "projects/invoice_detail.html",
        {
            "invoice": invoice,
            "project": invoice.project,
            "doc": documents.document_context(data, is_draft=invoice.status == "draft"),
            "payments": list(invoice.payments.all()),
            "payment_form": PaymentForm(
                initial={"amount": invoice.amount_due, "paid_on": _today()}
            ),
            "cancelled_by": Invoice.objects.filter(cancels=invoice).first(),
            "is_overdue": invoice.is_overdue(_today()),
        },
    )


@login_required
def invoice_edit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    if invoice.status != Invoice.Status.DRAFT:
        messages.error(
            request, _("An issued invoice cannot be changed; cancel it and issue a new one.")
        )
        return redirect(invoice)
    status = 200
    before = audit_snapshot(invoice)
    if request.method == "POST":
        form = InvoiceForm(request.POST, instance=invoice)
        formset = InvoiceLineFormSet(request.POST, instance=invoice, prefix="lines")
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                form.save()
                formset.save()
                services.edit_record(
                    obj=invoice,
                    before=before,
                    actor=request.user,
                    lines_changed=formset.has_changed(),
                )
            messages.success(request, _("Invoice saved."))
            return redirect(invoice)
        status = 422
    else:
        form = InvoiceForm(instance=invoice)
        formset = InvoiceLineFormSet(instance=invoice, prefix="lines")
    return render(
        request,
        "projects/invoice_form.html",
        {"invoice": invoice, "project": invoice.project, "form": form, "formset": formset},
        status=status,
    )


@login_required
@require_POST
def invoice_issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        invoice = services.invoice_issue(invoice=invoice, actor=request.user)
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect("projects:invoice_detail", invoice.pk)


@login_required
@require_POST
def invoice_payment(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_record_payment(invoice=invoice, **form.cleaned_data)
            messages.success(request, _("Payment recorded."))
        except ProjectError as error:
            messages.error(request, str(error))
    else:
        _form_errors(request, form)
    return redirect(invoice)


@login_required
@require_POST
def invoice_mark_paid(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        services.invoice_mark_paid(invoice=invoice, paid_on=_today())
        messages.success(request, _("Marked as paid."))
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect(invoice)


@login_required
@require_POST
def invoice_cancel(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    try:
        storno = services.invoice_cancel(invoice=invoice, actor=request.user)
        messages.success(
            request, _("Cancelled by cancellation invoice %(number)s.") % {"number": storno.number}
        )
        return redirect(storno)
    except ProjectError as error:
        messages.error(request, str(error))
    return redirect(invoice)


@login_required
@require_POST
def invoice_delete(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    project = invoice.project
    try:
        services.invoice_delete(invoice=invoice, actor=request.user)
    except ProjectError as error:
        messages.error(request, str(error))
        return redirect(invoice)
    messages.success(request, _("Draft invoice deleted."))
    return redirect(project)


@login_required
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.user, invoice_id)
    pdf = documents.invoice_pdf(invoice)
    name = invoice.number or f"Entwurf-{invoice.pk}"
    return _pdf_response(request, pdf, f"Rechnung-{name}.pdf")
