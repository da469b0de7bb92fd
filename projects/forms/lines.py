"""The line item form and formset that offers and invoices share, and what a line formset hands
services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from crm.text import CleanModelForm

from ..models.lines import CONCESSIONS_EXCEED, LINE_FIELDS, LineItem, rates_below_zero
from ..services.lines import LineEdit


class LineForm(CleanModelForm):
    """One line item; negative quantities and VAT outside 0-100 % are refused.

    An item's price cannot be negative; a discount or goodwill credit is a price concession, so
    its amount is stored negative whichever sign was typed.
    """

    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("The quantity must be more than zero."))],
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (net)"),
        max_digits=12,
        decimal_places=2,
    )
    vat_rate = forms.DecimalField(
        label=_("VAT %"),
        max_digits=5,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal(0), _("The VAT rate must lie between 0 and 100 %%.")),
            MaxValueValidator(Decimal(100), _("The VAT rate must lie between 0 and 100 %%.")),
        ],
    )

    class Meta:
        fields = LINE_FIELDS
        widgets: ClassVar = {"position": forms.HiddenInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A line posted without a kind (an older form) is an item.
        self.fields["kind"].required = False
        for name, field in self.fields.items():
            if name != "position":
                css = "form-control form-control-sm"
                if name == "kind":
                    css = "form-select form-select-sm"
                field.widget.attrs.setdefault("class", css)
                field.widget.attrs.setdefault("aria-label", str(field.label))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["kind"] = data.get("kind") or LineItem.Kind.ITEM
        price = data.get("unit_price")
        if price is None:
            return data
        if data["kind"] == LineItem.Kind.ITEM:
            if price < 0:
                self.add_error(
                    "unit_price",
                    _(
                        "The price cannot be negative. For a price concession choose the kind "
                        "“Discount” or “Goodwill credit”."
                    ),
                )
        else:
            data["unit_price"] = -abs(price)
        return data


class LineFormSet(BaseInlineFormSet):
    """The lines of one offer or invoice: concessions may bring a VAT rate to zero, not below."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        lines = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("unit_price") is not None
        ]
        if rates_below_zero(lines):
            raise forms.ValidationError(CONCESSIONS_EXCEED)


def line_edits(formset: forms.BaseModelFormSet) -> list[LineEdit]:
    """Return a valid line formset as edits: every existing line (kept, changed or deleted)
    and every new line that was filled in."""
    edits = []
    for form in formset.forms:
        existing = form.instance.pk is not None and form in formset.initial_forms
        deleted = formset.can_delete and form.cleaned_data.get("DELETE", False)
        if not existing and (deleted or not form.has_changed()):
            continue
        values = {} if deleted else {name: form.cleaned_data[name] for name in LINE_FIELDS}
        edits.append(
            LineEdit(values=values, pk=form.instance.pk if existing else None, delete=deleted)
        )
    return edits
