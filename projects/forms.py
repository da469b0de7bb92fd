"""Forms of the projects app: they validate; services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.widgets import ClientPicker

from .models import (
    ChangeRequest,
    Invoice,
    InvoiceLine,
    Milestone,
    Offer,
    OfferLine,
    Project,
    RevisionRound,
    ScopeItem,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm):
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


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Project.Status.choices)


class ScopeItemForm(forms.ModelForm):
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


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ("title", "due_on", "forecast_on", "delay_reason", "done_on")
        widgets: ClassVar = {"due_on": DATE, "forecast_on": DATE, "done_on": DATE}

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


class RevisionForm(forms.ModelForm):
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


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = ("title", "description", "requested_on")
        widgets: ClassVar = {"requested_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Own ids: the project page shows several forms with fields of the same name.
        kwargs.setdefault("auto_id", "change_%s")
        super().__init__(*args, **kwargs)


class ChangeAcceptForm(forms.Form):
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


class ChangeDeclineForm(forms.Form):
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


class OfferForm(forms.ModelForm):
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


class LineForm(forms.ModelForm):
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
        fields = ("position", "description", "quantity", "unit", "unit_price", "vat_rate")
        widgets: ClassVar = {"position": forms.HiddenInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "position":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
                field.widget.attrs.setdefault("aria-label", str(field.label))


class OfferLineForm(LineForm):
    class Meta(LineForm.Meta):
        model = OfferLine


class InvoiceLineForm(LineForm):
    class Meta(LineForm.Meta):
        model = InvoiceLine


OfferLineFormSet = inlineformset_factory(
    Offer, OfferLine, form=OfferLineForm, extra=1, can_delete=True
)
InvoiceLineFormSet = inlineformset_factory(
    Invoice, InvoiceLine, form=InvoiceLineForm, extra=1, can_delete=True
)


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ("issued_on", "delivery_from", "delivery_to", "due_on", "notes")
        widgets: ClassVar = {
            "issued_on": DATE,
            "delivery_from": DATE,
            "delivery_to": DATE,
            "due_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("delivery_from"), data.get("delivery_to")
        if start and end and end < start:
            self.add_error("delivery_to", _("The delivery period ends before it starts."))
        issued, due = data.get("issued_on"), data.get("due_on")
        if issued and due and due < issued:
            self.add_error("due_on", _("The due date lies before the issue date."))
        return data


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("A payment must be more than zero."))],
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
