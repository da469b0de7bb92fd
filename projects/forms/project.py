"""Forms of the project itself: its agreement and its status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.widgets import ClientPicker
from crm.text import CleanForm, CleanModelForm

from ..models import Project
from . import DATE


class ProjectForm(CleanModelForm):
    class Meta:
        model = Project
        fields = (
            "client",
            "title",
            "description",
            "start_on",
            "deadline_on",
            "pricing",
            "fixed_price",
            "hourly_rate",
            "estimated_hours",
            "currency",
            "vat_rate",
            "is_vat_exempt",
            "payment_terms_days",
            "update_cadence",
            "update_weekday",
            "revisions_agreed",
        )
        widgets: ClassVar = {
            "start_on": DATE,
            "deadline_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "client": ClientPicker(attrs={"class": "form-select"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own clients can be chosen; another user's id is "not a valid choice".
        self.fields["client"].queryset = Client.objects.owned_by(user).filter(
            Q(archived_at__isnull=True) | Q(pk=getattr(self.instance, "client_id", None))
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, deadline = data.get("start_on"), data.get("deadline_on")
        if start and deadline and deadline < start:
            self.add_error("deadline_on", _("The deadline lies before the start."))
        pricing = data.get("pricing")
        if pricing == Project.Pricing.FIXED and data.get("fixed_price") is None:
            self.add_error("fixed_price", _("Enter the fixed price (net)."))
        if pricing == Project.Pricing.HOURLY and data.get("hourly_rate") is None:
            self.add_error("hourly_rate", _("Enter the hourly rate (net)."))
        if data.get("is_vat_exempt"):
            data["vat_rate"] = Decimal(0)
        return data


class StatusForm(CleanForm):
    status = forms.ChoiceField(choices=Project.Status.choices)
