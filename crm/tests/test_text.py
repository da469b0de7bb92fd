"""The text-cleaning rule (crm/text.py): the function, and every form of the project using it."""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.http import QueryDict
from lxml import etree

from crm.forms import ProfileForm
from crm.text import CleanTextMixin, text_clean, text_clean_data
from portal.forms import AcceptForm

HOSTILE = "Acme\x0bGmbH\x01\x02 Caf\u0065\u0301\x0c\ufffe\ud800\x1f"


def test_text_clean_keeps_xml_chars_only_and_composes() -> None:
    cleaned = text_clean(HOSTILE)
    assert cleaned == "Acme\nGmbH Café\n"
    assert unicodedata.is_normalized("NFC", cleaned)
    element = etree.Element("x")
    element.text = cleaned  # lxml accepts it: XML 1.0 compatible
    with pytest.raises(ValueError, match="XML compatible"):
        element.text = "Acme\x0bGmbH\x01"


def test_text_clean_leaves_ordinary_text_alone() -> None:
    for text in ("", "Hauptstraße 5", "Tab\tand\r\nlines", "日本語 😀 עברית"):
        assert text_clean(text) == text


def test_text_clean_data_walks_nested_values_and_reports_a_change() -> None:
    data = {"buyer": {"name": "A\x01B"}, "lines": [{"description": "ok", "net": "1"}], "n": 3}
    cleaned, changed = text_clean_data(data)
    assert changed
    assert cleaned == {
        "buyer": {"name": "AB"},
        "lines": [{"description": "ok", "net": "1"}],
        "n": 3,
    }
    assert text_clean_data(cleaned) == (cleaned, False)


def _project_form_classes() -> list[type]:
    base = Path(settings.BASE_DIR)
    ours = {
        app.name
        for app in apps.get_app_configs()
        if Path(app.path).parent == base  # our apps, not the installed packages
    }
    for name in ours:
        for module in ("forms", "import_views"):
            try:
                importlib.import_module(f"{name}.{module}")
            except ModuleNotFoundError as error:
                if error.name != f"{name}.{module}":
                    raise

    def walk(cls: type) -> list[type]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in walk(child))]

    return [
        cls
        for cls in walk(forms.BaseForm)
        if cls.__module__.split(".")[0] in ours and ".tests" not in cls.__module__
    ]


def test_every_form_of_the_project_cleans_its_text() -> None:
    classes = _project_form_classes()
    assert len(classes) > 40
    unclean = [
        f"{cls.__module__}.{cls.__name__}" for cls in classes if not issubclass(cls, CleanTextMixin)
    ]
    assert unclean == []


@pytest.mark.django_db
def test_profile_form_stores_clean_text(alice) -> None:
    data = QueryDict(mutable=True)
    data.update(
        {
            "display_name": "Alice\x0c Lindner",
            "business_name": "Lindner\x01 Design",
            "street": "Hauptstrasse\x085",
            "city": "Mu\u0308nchen",
            "country": "DE",
            "default_currency": "EUR",
            "time_zone": "Europe/Berlin",
            "language": "de",
        }
    )
    form = ProfileForm(data=data, instance=alice.profile_or_default)
    assert form.is_valid(), form.errors
    profile = form.save()
    assert (profile.display_name, profile.business_name, profile.street, profile.city) == (
        "Alice\n Lindner",
        "Lindner Design",
        "Hauptstrasse5",
        "München",
    )


def test_portal_form_cleans_text_but_not_passwords() -> None:
    form = AcceptForm(
        data={"offer": "1", "version": "1", "full_name": "Eva\x00 Wei\x1fß", "confirm": "on"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name"] == "Eva Weiß"

    class Secret(CleanTextMixin, forms.Form):
        password = forms.CharField(widget=forms.PasswordInput, strip=False)

    secret = Secret(data={"password": "a\x01b"})
    assert secret.is_valid()
    assert secret.cleaned_data["password"] == "a\x01b"
