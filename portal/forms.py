"""Forms of the portal: the freelancer's new link, the client's acceptance and change request."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.text import CleanForm


class PortalLinkForm(CleanForm):
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def clean_expires_on(self) -> datetime.date | None:
        value = self.cleaned_data["expires_on"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."), code="past")
        return value


class AcceptForm(CleanForm):
    """The client's acceptance: which offer and version they saw, their typed name, a tick."""

    offer = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)
    full_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        min_length=2,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "name"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I accept this offer with the scope, price and terms shown."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please type your full name."), code="short")
        return name


class ChangeForm(CleanForm):
    """The client's wish for a change, in a few words and in detail."""

    title = forms.CharField(
        label=gettext_lazy("What should change? (in a few words)"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Please describe the change."), code="blank")
        return title
