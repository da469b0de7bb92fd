"""The audit log page: who changed which client, project, offer or invoice, and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from crm.models import AuditEntry

PAGE_SIZE = 50
OBJECT_TYPES = {
    "client": ("clients.client", _("Clients")),
    "project": ("projects.project", _("Projects")),
    "offer": ("projects.offer", _("Offers")),
    "invoice": ("projects.invoice", _("Invoices")),
    "account": ("crm.user", _("Account")),
}


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """List the freelancer's audit entries, newest first, optionally of one type (paginated)."""
    entries = AuditEntry.objects.owned_by(request.user)
    chosen = request.GET.get("type", "")
    if chosen in OBJECT_TYPES:
        entries = entries.filter(object_type=OBJECT_TYPES[chosen][0])
    else:
        chosen = ""
    page = Paginator(entries.order_by("-occurred_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(OBJECT_TYPES.values())
    for entry in page:
        entry.type_label = labels.get(entry.object_type, entry.object_type)
        entry.change_rows = [
            (key, value[0], value[1], True)
            if isinstance(value, list) and len(value) == 2
            else (key, value, None, False)
            for key, value in (entry.changes or {}).items()
        ]
    return render(
        request,
        "privacy/audit_log.html",
        {
            "page": page,
            "chosen": chosen,
            "types": [(key, label) for key, (_type, label) in OBJECT_TYPES.items()],
        },
    )
