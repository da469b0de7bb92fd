"""Views of the project itself: the list, create, the project page, edit, status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import access_client

from ..access import access_project
from ..forms.change_requests import ChangeRequestForm
from ..forms.project import ProjectForm, StatusForm
from ..forms.scope import MilestoneForm, RevisionForm, ScopeItemForm
from ..models import Project
from ..selectors.project import project_defaults, project_page, project_rows, projects_for_list
from ..selectors.scope import goodwill_by_client
from ..services import ProjectError
from ..services import project as services


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    projects = projects_for_list(user=request.user, status=status)
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "rows": project_rows(page.object_list, timezone.localdate()),
            "status": status,
            "statuses": Project.Status.choices,
            "goodwill": list(goodwill_by_client(user=request.user)[:5]),
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
            user=request.user, initial=project_defaults(user=request.user, client=client)
        )
    return render(request, "projects/project_form.html", {"form": form, "client": client})


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    today = timezone.localdate()
    page = project_page(project=project, today=today)
    return render(
        request,
        "projects/project_detail.html",
        {
            **page,
            "scope_form": ScopeItemForm(),
            "milestone_form": MilestoneForm(),
            "revision_form": RevisionForm(
                project=project,
                initial={"requested_on": today, "billing": page["revision_billing"]},
            ),
            "change_request_form": ChangeRequestForm(initial={"requested_on": today}),
            "status_form": StatusForm(initial={"status": project.status}),
        },
    )


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    if request.method == "POST":
        form = ProjectForm(request.POST, instance=project, user=request.user)
        if form.is_valid():
            services.project_update(project=form.save(commit=False), actor=request.user)
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
