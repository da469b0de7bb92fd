"""Forms of the inbox: they validate; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.widgets import ClientPicker
from crm.text import CleanForm, CleanModelForm

from .imap import is_loopback
from .models import Mailbox


class MailboxForm(CleanModelForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = ("host", "port", "security", "username", "folder", "is_active")
        help_texts = {  # noqa: RUF012 (Django's Meta API)
            "folder": _("Where replies arrive, usually INBOX."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].widget.attrs["placeholder"] = "imap.example.com"
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def clean_host(self) -> str:
        host = self.cleaned_data["host"].strip()
        if not host or any(char.isspace() for char in host) or "/" in host:
            raise forms.ValidationError(_("Enter the server's name, e.g. imap.example.com."))
        return host

    def clean_folder(self) -> str:
        folder = self.cleaned_data["folder"].strip()
        if not folder or any(char in folder for char in "\r\n\x00"):
            raise forms.ValidationError(_("Enter a folder name, e.g. INBOX."))
        return folder

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("security") == Mailbox.Security.PLAIN and not is_loopback(data.get("host", "")):
            self.add_error(
                "security",
                _(
                    "Without encryption the password would cross the network in clear text: "
                    "choose TLS or STARTTLS (plain is only for a server on this machine)."
                ),
            )
        has_password = bool(self.instance.pk and self.instance.password_token)
        if not data.get("password") and not has_password:
            self.add_error("password", _("Enter the mailbox's password."))
        return data


class AssignForm(CleanForm):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), widget=ClientPicker(archived=True)
    )
    add_contact = forms.BooleanField(
        label=_("Add the sender as a contact"), required=False, initial=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.owned_by(user)
