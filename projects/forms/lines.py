"""The line item form that offers and invoices share, and what a line formset hands services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from crm.text import CleanModelForm

from ..models.lines import LINE_FIELDS
from ..services.lines import LineEdit


class LineForm(CleanModelForm):
    """One line item; negative quantities or prices and VAT outside 0-100 % are refused."""

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
        validators=[MinValueValidator(Decimal(0), _("The price cannot be negative."))],
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
        for name, field in self.fields.items():
            if name != "position":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
                field.widget.attrs.setdefault("aria-label", str(field.label))


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
