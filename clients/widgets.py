"""A client picker that scales to thousands of clients.

A plain ``<select>`` lists every client in the page (2,000 options are about 100 KB of HTML and
most of the page's rendering time). ``ClientPicker`` renders only the chosen client; the browser
turns it into a search-as-you-type box (Tom Select, static/js/app.js) that asks
``clients:suggest`` for matches. The form field stays a ``ModelChoiceField``, so what can be
chosen is still decided, and checked, on the server by the field's queryset.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ClientPicker(forms.Select):
    """A ``<select>`` that holds only its current value; the options arrive as you type."""

    def __init__(self, *, archived: bool = False, attrs: dict[str, Any] | None = None) -> None:
        self.archived = archived
        super().__init__(
            attrs={
                "class": "form-select form-select-sm",
                "data-client-picker": "",
                "data-placeholder": _("Type to search clients"),
                "data-no-results": _("No client matches."),
                **(attrs or {}),
            }
        )

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        url = reverse("clients:suggest") + ("?archived=1" if self.archived else "")
        return super().get_context(name, value, {**(attrs or {}), "data-url": url})

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> Any:
        """Return the empty choice (if the field has one) and the chosen client, nothing else."""
        field_choices = self.choices
        chosen = [v for v in value if v]
        queryset = getattr(field_choices, "queryset", None)
        options: list[tuple[Any, str]] = []
        empty = getattr(getattr(field_choices, "field", None), "empty_label", None)
        if empty is not None and not self.is_required:  # a required picker shows its placeholder
            options.append(("", empty))
        elif self.is_required:
            # Valid HTML: a required <select> starts with a placeholder option of empty value.
            options.append(("", self.attrs.get("data-placeholder", "–")))
        if chosen and queryset is not None:
            valid = [v for v in chosen if str(v).isdigit() and len(str(v)) < 19]
            options += [(c.pk, c.name) for c in queryset.filter(pk__in=valid).only("pk", "name")]
        groups = []
        for index, (option_value, label) in enumerate(options):
            selected = str(option_value) in chosen
            groups.append(
                (
                    None,
                    [self.create_option(name, option_value, label, selected, index, attrs=attrs)],
                    index,
                )
            )
        return groups
