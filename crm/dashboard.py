"""The dashboard: the freelancer's day at a glance."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def dashboard_context(*, user: Any) -> dict[str, Any]:
    """Return what the dashboard shows for ``user``."""
    from clients.models import Client
    from projects.models import Project

    return {
        "client_count": Client.objects.owned_by(user).active().count(),
        "project_count": Project.objects.owned_by(user).count(),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/dashboard.html", dashboard_context(user=request.user))
