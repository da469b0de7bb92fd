"""Forms of what was agreed: scope items, milestones, revision rounds."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.text import CleanModelForm

from ..models import Milestone, Project, RevisionRound, ScopeItem
from . import DATE


class ScopeItemForm(CleanModelForm):
    class Meta:
        model = ScopeItem
        fields = ("is_in_scope", "title", "description", "acceptance_criteria")
        widgets: ClassVar = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Own ids: the project page shows several forms with fields of the same name.
        kwargs.setdefault("auto_id", "scope_%s")
        super().__init__(*args, **kwargs)


class MilestoneForm(CleanModelForm):
    class Meta:
        model = Milestone
        fields = ("title", "due_on", "estimated_hours", "forecast_on", "delay_reason", "done_on")
        widgets: ClassVar = {"due_on": DATE, "forecast_on": DATE, "done_on": DATE}
        help_texts: ClassVar = {
            "delay_reason": _(
                "The client reads it in the delay notice: say what the work needs (e.g. “the "
                "checkout needs a second test round”), never what the client did."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Own ids: the project page shows several forms with fields of the same name.
        kwargs.setdefault("auto_id", "milestone_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        due, forecast = data.get("due_on"), data.get("forecast_on")
        if due and forecast and forecast > due and not data.get("delay_reason"):
            self.add_error(
                "delay_reason",
                _("The forecast lies after the due date: say why (the client will be told)."),
            )
        return data


class RevisionForm(CleanModelForm):
    class Meta:
        model = RevisionRound
        fields = ("requested_on", "description", "billing")
        widgets: ClassVar = {"requested_on": DATE, "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "revision_%s")
        super().__init__(*args, **kwargs)
        self.project = project

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        used = self.project.revisions.filter(billing=RevisionRound.Billing.INCLUDED).count()
        if (
            data.get("billing") == RevisionRound.Billing.INCLUDED
            and used >= self.project.revisions_agreed
        ):
            self.add_error(
                "billing",
                _(
                    "All %(n)s agreed revision rounds are used: mark this one as billable or as "
                    "a goodwill extra."
                )
                % {"n": self.project.revisions_agreed},
            )
        return data
