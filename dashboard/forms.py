"""Forms of the first-run setup (dashboard/setup.py)."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import ProfileForm
from crm.models import Profile
from crm.text import CleanModelForm


class SetupBusinessForm(ProfileForm):
    """What invoices need: the business, its address, tax and bank details (a ProfileForm part)."""

    class Meta(ProfileForm.Meta):
        fields = (
            "display_name",
            "business_name",
            "street",
            "postal_code",
            "city",
            "country",
            "tax_number",
            "vat_id",
            "is_small_business",
            "bank_name",
            "iban",
            "bic",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("You and your business"), "display_name", "business_name"),
            Fieldset(
                _("Address"),
                "street",
                Row(Column("postal_code", css_class="col-sm-4"), Column("city")),
                "country",
            ),
            Fieldset(_("Tax"), Row(Column("tax_number"), Column("vat_id")), "is_small_business"),
            Fieldset(
                _("Bank details"),
                "bank_name",
                Row(Column("iban", css_class="col-md-8"), Column("bic")),
            ),
        )


class SetupReplyForm(CleanModelForm):
    """Where clients' replies go (installations that send from the operator's address)."""

    class Meta:
        model = Profile
        fields = ("reply_to_email",)
        widgets = {  # noqa: RUF012
            "reply_to_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
