"""Tone of address: greeting, pronouns and closing for every language and form."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.template import Context, Template

from crm.tone import greeting_for, tone_for


@dataclass
class Party:
    language: str = "de"
    form_of_address: str = "formal"
    salutation: str = ""
    sign_off: str = ""
    name: str = ""
    kind: str = "person"


@pytest.mark.parametrize(
    ("language", "form", "salutation", "expected"),
    [
        ("de", "formal", "Frau Dr. Weber", "Sehr geehrte Frau Dr. Weber,"),
        ("de", "formal", "Herr Schneider", "Sehr geehrter Herr Schneider,"),
        ("de", "formal", "Herrn Prof. Wagner", "Sehr geehrter Herr Prof. Wagner,"),
        ("de", "formal", "frau  weber ", "Sehr geehrte Frau weber,"),
        ("de", "formal", "Dr. Weber", "Guten Tag Dr. Weber,"),
        ("de", "formal", "", "Sehr geehrte Damen und Herren,"),
        ("de", "informal", "Anna", "Hallo Anna,"),
        ("en", "formal", "Frau Dr. Weber", "Dear Dr. Weber,"),
        ("en", "formal", "Herr Schneider", "Dear Mr Schneider,"),
        ("en", "formal", "Frau Drescher", "Dear Ms Drescher,"),
        ("en", "formal", "Herr Prof. Wagner", "Dear Prof. Wagner,"),
        ("en", "formal", "Ms Turner", "Dear Ms Turner,"),
        ("en", "formal", "Dr. O'Brien", "Dear Dr. O'Brien,"),
        ("en", "formal", "", "Dear Sir or Madam,"),
        ("en", "informal", "Anna", "Hi Anna,"),
    ],
)
def test_it_greets_in_language_and_form(
    language: str, form: str, salutation: str, expected: str
) -> None:
    assert greeting_for(language, form, salutation) == expected


def test_it_falls_back_to_first_name_of_a_person_when_casual() -> None:
    assert tone_for(Party(form_of_address="informal", name="Anna Fischer")).greeting == (
        "Hallo Anna,"
    )
    assert tone_for(
        Party(language="en", form_of_address="informal", name="Raj Patel")
    ).greeting == ("Hi Raj,")


def test_it_never_greets_a_company_by_its_name() -> None:
    company = Party(form_of_address="informal", name="Müller & Söhne GmbH", kind="company")
    assert tone_for(company).greeting == "Hallo,"
    english = Party(language="en", form_of_address="informal", name="Northwind", kind="company")
    assert tone_for(english).greeting == "Hi there,"


def test_it_builds_the_badge_label() -> None:
    assert tone_for(Party()).label == "Deutsch · Sie"
    assert tone_for(Party(form_of_address="informal")).label == "Deutsch · du"
    assert tone_for(Party(language="en")).label == "English · formal"
    assert tone_for(Party(language="en", form_of_address="informal")).label == "English · casual"


def test_it_uses_pronouns_of_the_form() -> None:
    assert tone_for(Party()).you == "Sie"
    assert tone_for(Party()).your_f == "Ihre"
    assert tone_for(Party(form_of_address="informal")).you_dative == "dir"
    assert tone_for(Party(language="en")).your == "your"
    with pytest.raises(AttributeError):
        _ = tone_for(Party()).nonsense


def test_it_closes_with_default_or_override() -> None:
    assert tone_for(Party()).closing == "Mit freundlichen Grüßen"
    assert tone_for(Party(form_of_address="informal")).closing == "Viele Grüße"
    assert tone_for(Party(language="en")).closing == "Kind regards"
    assert tone_for(Party(language="en", form_of_address="informal")).closing == "Best"
    assert tone_for(Party(sign_off="  Herzliche Grüße aus Köln ")).closing == (
        "Herzliche Grüße aus Köln"
    )
    assert tone_for(Party(language="xx", form_of_address="yy")).closing == (
        "Mit freundlichen Grüßen"
    )


def test_it_treats_unknown_values_as_german_formal() -> None:
    tone = tone_for(Party(language="fr", form_of_address="", salutation=None))  # type: ignore[arg-type]
    assert (tone.language, tone.form, tone.greeting) == (
        "de",
        "formal",
        ("Sehr geehrte Damen und Herren,"),
    )
    assert tone_for(Party(language="en", form_of_address="informal")).label == "English · casual"


def test_it_exposes_pronouns_to_templates() -> None:
    tone = tone_for(Party(salutation="Frau Dr. Weber"))
    rendered = Template("{{ tone.greeting }} {{ tone.you }} {{ tone.label }}").render(
        Context({"tone": tone})
    )
    assert rendered == "Sehr geehrte Frau Dr. Weber, Sie Deutsch · Sie"
    assert tone.as_context()["your"] == "Ihr"
    assert tone.as_context()["is_formal"] is True


def test_it_leaves_markup_in_a_salutation_to_autoescaping() -> None:
    tone = tone_for(Party(salutation="Frau <script>alert(1)</script>"))
    rendered = Template("{{ tone.greeting }}").render(Context({"tone": tone}))
    assert "<script>" not in rendered
    assert "&lt;script&gt;" in rendered
