"""Views of time tracking, one module per subdomain: they speak HTTP; services decide.

- ``timer``: the running timer (its page, its widget, start, stop, keep, cut);
- ``week``: the timesheet of a week, and the export;
- ``entries``: time entries typed by hand;
- ``project``: a project's time, invoicing it, out-of-scope time, the portal's hours;
- ``expenses``: expenses and their receipts;
- ``retainers``: retainers and recurring invoices;
- ``time_settings``: the freelancer's time settings and client rates.

Every view that takes an id starts with an ``access_*`` helper, so another freelancer's id
answers 404.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """Return the ``next`` the form carried when it points to this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the page the form came from (``next``), else to ``default``."""
    return HttpResponseRedirect(next_url(request, default))


def parse_day(value: str) -> datetime.date | None:
    """Return the ISO date in ``value``, or None when it holds none."""
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def week_url(day: datetime.date) -> str:
    """Return the address of the week that holds ``day``."""
    return reverse("timetracking:week") + f"?on={day.isoformat()}"
