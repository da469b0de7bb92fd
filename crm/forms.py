"""Forms of the freelancer profile (account forms: accounts/forms.py)."""

from __future__ import annotations

import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from .logos import logo_check
from .models import Profile
from .text import CleanForm, CleanModelForm

User = get_user_model()

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG"}
# EU VAT IDs: a country prefix and 2 to 12 characters (DE: 9 digits); checked in full by VIES.
VAT_ID_RE = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,12}")


def _profile_formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # Django 6's default; "lindner.example" means https
    return field.formfield(**kwargs)


class LogoField(forms.ImageField):
    """An image field that reads the pixel size from the header before anything decodes it."""

    def to_python(self, data: Any) -> Any:
        if data and hasattr(data, "read"):
            logo_check(data)  # Django's own check below opens the image with Pillow
        return super().to_python(data)


class ProfileForm(CleanModelForm):
    """The freelancer's business details, as they appear on documents and e-mails."""

    formfield_callback = _profile_formfield

    class Meta:
        model = Profile
        fields = (
            "display_name",
            "business_name",
            "street",
            "postal_code",
            "city",
            "country",
            "reply_to_email",
            "phone",
            "website",
            "tax_number",
            "vat_id",
            "bank_name",
            "iban",
            "bic",
            "is_small_business",
            "default_currency",
            "time_zone",
            "language",
            "logo",
        )
        field_classes = {"logo": LogoField}  # noqa: RUF012
        widgets = {  # noqa: RUF012
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "iban": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("You and your business"), "display_name", "business_name", "logo"),
            Fieldset(
                _("Address and contact"),
                "street",
                Row(Column("postal_code", css_class="col-sm-4"), Column("city")),
                "country",
                "reply_to_email",
                "phone",
                "website",
            ),
            Fieldset(_("Tax"), "tax_number", "vat_id", "is_small_business"),
            Fieldset(
                _("Bank details"),
                "bank_name",
                Row(Column("iban", css_class="col-md-8"), Column("bic")),
            ),
            Fieldset(
                _("Preferences"),
                Row(Column("default_currency"), Column("time_zone"), Column("language")),
            ),
        )

    def clean_iban(self) -> str:
        return "".join(self.cleaned_data["iban"].split()).upper()

    def clean_bic(self) -> str:
        return "".join(self.cleaned_data["bic"].split()).upper()

    def clean_vat_id(self) -> str:
        vat_id = "".join(self.cleaned_data["vat_id"].split()).upper()
        if vat_id and not VAT_ID_RE.fullmatch(vat_id):
            raise forms.ValidationError(
                _("Enter the VAT ID with its country code, e.g. DE123456789."), code="vat_id"
            )
        return vat_id

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        # Only a fresh upload has a content_type; a kept logo is the stored file.
        if logo and hasattr(logo, "content_type"):
            if logo.size > LOGO_MAX_BYTES:
                raise forms.ValidationError(
                    _("The logo may be at most 2 MB; this file has %(size).1f MB."),
                    code="logo_too_large",
                    params={"size": logo.size / 1024 / 1024},
                )
            image = getattr(logo, "image", None)
            if image is None or image.format not in LOGO_FORMATS:
                raise forms.ValidationError(
                    _("Upload the logo as a PNG or JPEG image."), code="logo_format"
                )
        return logo


class SenderAddressForm(CleanForm):
    """The address a freelancer's client mail should come from (proved by a mailed link)."""

    sender_email = forms.EmailField(
        label=_("Your address for client mail"),
        required=False,
        max_length=254,
        help_text=_("We mail a link to it; once you open it, your clients see this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
