"""Account forms: log-in by e-mail or username, sign-up with a name, throttled second factor."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as account_forms
from allauth.core import context
from allauth.mfa.base import forms as mfa_forms
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from crm.text import CleanTextMixin


class LoginForm(CleanTextMixin, account_forms.LoginForm):
    """Log in with e-mail address or username (crm.backends.EmailOrUsernameBackend)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail or username")
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class SignupForm(CleanTextMixin, account_forms.SignupForm):
    """Sign up with name, e-mail and password; the e-mail doubles as the username."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        help_text=_("As it should appear in e-mails to your clients."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ("display_name", "email", "password1")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # 150, not 254: the address is also the username, which holds at most 150 characters.
        email = self.fields["email"]
        email.max_length = 150
        email.validators.append(MaxLengthValidator(150))
        email.widget.attrs["maxlength"] = 150

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def save(self, request: Any) -> Any:
        from crm.models import Profile

        user = super().save(request)
        if user is not None:
            Profile.objects.update_or_create(
                user=user,
                defaults={
                    "display_name": self.cleaned_data["display_name"],
                    "language": (getattr(request, "LANGUAGE_CODE", "") or "de")[:2],
                },
            )
        return user


class ChangePasswordForm(CleanTextMixin, account_forms.ChangePasswordForm):
    """Change the password, asking for the old one first (rate-limited by allauth)."""


def _second_factor_allowed(user: Any) -> bool:
    """Return False (and flag the request for the lock-out page) when django-axes has locked
    this account for this address: wrong codes count like wrong passwords."""
    request = context.request
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_allowed(request, credentials):
        return True
    request.axes_locked_out = True
    request.axes_credentials = credentials
    return False


class AuthenticateForm(CleanTextMixin, mfa_forms.AuthenticateForm):
    """The second step of a log-in: a TOTP or recovery code, throttled by django-axes."""

    def clean_code(self) -> str:
        if not _second_factor_allowed(self.user):
            raise forms.ValidationError(_("Too many wrong codes. Please wait and try again."))
        return super().clean_code()


class ReauthenticateForm(CleanTextMixin, mfa_forms.ReauthenticateForm):
    """Confirm it is still you with a code before a security change, throttled the same."""

    def clean_code(self) -> str:
        if not _second_factor_allowed(self.user):
            raise forms.ValidationError(_("Too many wrong codes. Please wait and try again."))
        return super().clean_code()
