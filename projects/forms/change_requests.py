"""Forms of change requests: log one, accept it with a price, decline it with an alternative."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from crm.text import CleanForm, CleanModelForm

from ..models import ChangeRequest
from . import DATE


class ChangeRequestForm(CleanModelForm):
    class Meta:
        model = ChangeRequest
        fields = ("title", "description", "requested_on")
        widgets: ClassVar = {"requested_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Own ids: the project page shows several forms with fields of the same name.
        kwargs.setdefault("auto_id", "change_%s")
        super().__init__(*args, **kwargs)


class ChangeAcceptForm(CleanForm):
    price = forms.DecimalField(
        label=_("Price (net)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(Decimal(0))],
    )
    deadline_impact_days = forms.IntegerField(
        label=_("Deadline impact (days)"),
        initial=0,
        validators=[MinValueValidator(-365), MaxValueValidator(365)],
    )
    amend_offer = forms.BooleanField(
        label=_("Add it to the offer (as a new draft version)"), required=False
    )


class ChangeDeclineForm(CleanForm):
    alternative = forms.CharField(
        label=_("Alternative offered"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        help_text=_(
            "A polite no always offers an alternative, e.g. a later phase or a smaller variant."
        ),
        error_messages={
            "required": _("A polite no always offers an alternative: please describe one.")
        },
    )
