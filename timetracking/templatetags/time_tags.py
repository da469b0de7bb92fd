"""Template tags of time tracking, for the pages of other apps (the project page).

``{% project_time project as time %}`` reads the project's hours once (a fixed number of
queries); the parts of the page then show them: ``{% include "timetracking/_project_card.html" %}``,
``time|milestone_budget:milestone`` ("12 of 16 h" per milestone).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from .. import budgets, clock, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def project_time(context: Any, project: Any) -> dict[str, Any]:
    """Return the project's hours, budget, unbilled and flagged time, and the timer state."""
    request = context.get("request")
    summary = budgets.project_summary(project, today=timezone.localdate())
    if request is not None and getattr(request, "user", None) is not None:
        summary.update(selectors.timer_state(request.user))
    summary["project"] = project
    summary["open_milestones"] = list(project.milestones.filter(done_on__isnull=True))
    return summary


@register.filter
def milestone_budget(summary: dict[str, Any], milestone: Any) -> budgets.Budget | None:
    """Return the hours booked on ``milestone`` against its estimate."""
    if not summary:
        return None
    return budgets.milestone_budget(summary, milestone)


@register.filter
def hm(seconds: Any) -> str:
    """Format seconds as h:mm."""
    try:
        return clock.hours_text(int(seconds))
    except (TypeError, ValueError):
        return ""
