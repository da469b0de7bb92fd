"""Views of what was agreed: scope items (htmx partials with full-page fallbacks without
JavaScript), milestones and revision rounds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import access_milestone, access_project, access_scope_item
from ..forms.scope import MilestoneForm, RevisionForm, ScopeItemForm
from ..models import Milestone, Project
from ..selectors.scope import milestone_warnings, scope_split
from ..services import ProjectError
from ..services import scope as services
from . import form_errors_to_messages

# ---------------------------------------------------------------------------------------------
# Scope items


def _scope_response(
    request: HttpRequest,
    project: Project,
    form: ScopeItemForm | None = None,
    editing: int | None = None,
) -> HttpResponse:
    """Answer htmx with the scope section; anything else goes back to the project page."""
    context = {
        "project": project,
        **scope_split(project.scope_items.all()),
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
    if not form.is_valid():
        return _scope_response(request, project, form)
    item = form.save(commit=False)
    item.project = project
    services.scope_item_add(item=item, actor=request.user)
    return _scope_response(request, project)


@login_required
def scope_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_scope_item(request.user, item_id)
    project = item.project
    if request.method == "POST":
        form = ScopeItemForm(request.POST, instance=item, prefix=f"scope{item.pk}")
        if form.is_valid():
            services.scope_item_update(item=form.save(commit=False), actor=request.user)
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
    services.scope_item_delete(item=item, actor=request.user)
    return _scope_response(request, item.project)


@login_required
@require_POST
def scope_move(request: HttpRequest, item_id: int, direction: str) -> HttpResponse:
    item = access_scope_item(request.user, item_id)
    if direction not in {"up", "down"}:
        raise Http404
    services.scope_item_move(item=item, direction=direction, actor=request.user)
    return _scope_response(request, item.project)


# ---------------------------------------------------------------------------------------------
# Milestones and revision rounds


def _warn(request: HttpRequest, milestone: Milestone) -> None:
    for warning in milestone_warnings(milestone=milestone):
        messages.warning(request, warning)


@login_required
@require_POST
def milestone_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone = form.save(commit=False)
        milestone.project = project
        services.milestone_add(milestone=milestone, actor=request.user)
        messages.success(request, _("Milestone added."))
        _warn(request, milestone)
    else:
        form_errors_to_messages(request, form)
    return redirect(project)


@login_required
def milestone_edit(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = access_milestone(request.user, milestone_id)
    if request.method == "POST":
        form = MilestoneForm(request.POST, instance=milestone)
        if form.is_valid():
            services.milestone_update(milestone=form.save(commit=False), actor=request.user)
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
    services.milestone_delete(milestone=milestone, actor=request.user)
    messages.success(request, _("Milestone deleted."))
    return redirect(milestone.project)


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
        form_errors_to_messages(request, form)
    return redirect(project)
