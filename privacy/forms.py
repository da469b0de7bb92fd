"""Forms of the privacy pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.text import CleanForm


class ErasureForm(CleanForm):
    """Confirm an erasure by typing the client's name exactly."""

    name = forms.CharField(label=gettext_lazy("Type the client's name to confirm"), max_length=200)

    def __init__(self, *args: Any, expected_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_name = expected_name

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if name.casefold() != " ".join(self.expected_name.split()).casefold():
            raise forms.ValidationError(
                _("The name does not match. Type it exactly as shown to confirm."),
                code="mismatch",
            )
        return name
