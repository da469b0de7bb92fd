"""Forms of invoices: dates and notes of a draft, its line items, and payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MinValueValidator
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from crm.text import CleanForm, CleanModelForm

from ..models import Invoice, InvoiceLine
from . import DATE
from .lines import LineForm, LineFormSet


class InvoiceForm(CleanModelForm):
    class Meta:
        model = Invoice
        fields = ("issued_on", "delivery_from", "delivery_to", "due_on", "vat_treatment", "notes")
        widgets: ClassVar = {
            "issued_on": DATE,
            "delivery_from": DATE,
            "delivery_to": DATE,
            "due_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A post without it (an older page, a script) keeps the suggested treatment.
        self.fields["vat_treatment"].required = False

    def clean_vat_treatment(self) -> str:
        return self.cleaned_data.get("vat_treatment") or self.instance.vat_treatment

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("delivery_from"), data.get("delivery_to")
        if start and end and end < start:
            self.add_error("delivery_to", _("The delivery period ends before it starts."))
        issued, due = data.get("issued_on"), data.get("due_on")
        if issued and due and due < issued:
            self.add_error("due_on", _("The due date lies before the issue date."))
        return data


class InvoiceLineForm(LineForm):
    class Meta(LineForm.Meta):
        model = InvoiceLine


InvoiceLineFormSet = inlineformset_factory(
    Invoice, InvoiceLine, form=InvoiceLineForm, formset=LineFormSet, extra=1, can_delete=True
)


class PaymentForm(CleanForm):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("A payment must be more than zero."))],
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
