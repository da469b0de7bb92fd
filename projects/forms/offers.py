"""Forms of offers: dates and texts, and the line items."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from crm.text import CleanModelForm

from ..models import Offer, OfferLine
from . import DATE
from .lines import LineForm, LineFormSet


class OfferForm(CleanModelForm):
    class Meta:
        model = Offer
        fields = ("issued_on", "valid_until", "intro_text", "closing_text")
        widgets: ClassVar = {
            "issued_on": DATE,
            "valid_until": DATE,
            "intro_text": forms.Textarea(attrs={"rows": 6}),
            "closing_text": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        issued, valid = data.get("issued_on"), data.get("valid_until")
        if issued and valid and valid < issued:
            self.add_error("valid_until", _("“Valid until” lies before the offer date."))
        return data


class OfferLineForm(LineForm):
    class Meta(LineForm.Meta):
        model = OfferLine


OfferLineFormSet = inlineformset_factory(
    Offer, OfferLine, form=OfferLineForm, formset=LineFormSet, extra=1, can_delete=True
)
