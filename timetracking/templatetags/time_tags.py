"""Template tags of time tracking, for the pages of other apps (the project page).

``{% project_time project as time %}`` reads the project's hours once (a fixed number of
queries); the parts of the page then show them: ``{% include "timetracking/_project_card.html" %}``,
``time|milestone_budget:milestone`` ("12 of 16 h" per milestone).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

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
    # No query on the project page, which has read the milestones already.
    summary["open_milestones"] = [m for m in project.milestones.all() if m.done_on is None]
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


@register.simple_tag
def budget_label(budget: budgets.Budget | None) -> SafeString | str:
    """Render "32 of 40 h" with a badge at 80 % and over 100 % (as timetracking/_budget.html)."""
    if budget is None:
        return ""
    hours = number_format(budget.hours, 2)
    if not budget.estimate:
        return _("%(hours)s h") % {"hours": hours}
    text = _("%(hours)s of %(estimate)s h") % {
        "hours": hours,
        "estimate": number_format(budget.estimate, 2),
    }
    label = format_html('<span class="budget budget-{}">{}</span>', budget.state, text)
    if budget.state == "over":
        return format_html(
            '{} <span class="badge text-bg-danger">{}</span>', label, _("over budget")
        )
    if budget.state == "warn":
        return format_html(
            '{} <span class="badge text-bg-warning">{} %</span>', label, budget.percent
        )
    return label


@register.simple_tag
def milestone_hours(summary: dict[str, Any], milestone: Any) -> SafeString | str:
    """Render " · 12 of 16 h" for a milestone of the project page ("" without hours)."""
    budget = milestone_budget(summary, milestone)
    if budget is None or not (budget.estimate or budget.hours):
        return ""
    return format_html(' · <span class="milestone-hours">{}</span>', budget_label(budget))
