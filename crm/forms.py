"""Forms for accounts and the freelancer profile."""

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Profile

User = get_user_model()


class SignupForm(auth_forms.BaseUserCreationForm):
    """Sign up with name, e-mail and password; the e-mail doubles as the username."""

    display_name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("E-mail"), max_length=254)

    class Meta:
        model = User
        fields = ("display_name", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _(
                    "An account with this e-mail address exists already. "
                    "Log in or reset the password."
                )
            )
        return email

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.username = self.cleaned_data["email"]
        user.first_name = self.cleaned_data["display_name"][:150]
        if commit:
            user.save()
        return user


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(auth_forms.SetPasswordForm):
    pass


class ProfileForm(forms.ModelForm):
    """The freelancer's business details, as they appear on documents and e-mails."""

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

    def clean_iban(self) -> str:
        return "".join(self.cleaned_data["iban"].split()).upper()

    def clean_bic(self) -> str:
        return self.cleaned_data["bic"].strip().upper()

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The logo may be at most 2 MB."))
        return logo
