from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from communications.context import message_context
from communications.models import Message
from communications.rendering import default_source, render_sources
from communications.sandbox import TemplateProblem, template_check, template_render

KINDS = [kind for kind, _label in Message.Kind.choices]
VARIANTS = list(itertools.product(KINDS, ["de", "en"], ["formal", "informal"]))


def test_it_refuses_a_syntax_error_with_the_line() -> None:
    with pytest.raises(TemplateProblem) as info:
        template_check("Hallo\n\n{% if client.name %}\nno end")
    assert info.value.line is not None
    assert "Line" in str(info.value)


def test_it_refuses_an_unknown_variable_with_the_line() -> None:
    with pytest.raises(TemplateProblem) as info:
        template_check("Hallo\n{{ tone.greeting }}\n{{ settings.SECRET_KEY }}")
    assert info.value.line == 3
    assert "settings" in str(info.value)


@pytest.mark.parametrize(
    "source",
    [
        "{{ client.owner.password }}",
        "{{ client.name.upper }}",
        "{% for m in milestones %}{{ m.project }}{% endfor %}",
        "{% if invoice.owner %}x{% endif %}",
        "{% with x=client.secret %}{{ x }}{% endwith %}",
        "{{ tone.greeting|default:request.user }}",
    ],
)
def test_it_refuses_attribute_walks_outside_the_schema(source: str) -> None:
    with pytest.raises(TemplateProblem):
        template_check(source)


@pytest.mark.parametrize(
    "source", ["{% load static %}", "{% include 'base.html' %}", "{% debug %}", "{% url 'x' %}"]
)
def test_it_knows_no_dangerous_tags(source: str) -> None:
    with pytest.raises(TemplateProblem):
        template_check(source)


def test_it_accepts_loop_variables_and_filters() -> None:
    template_check(
        "{% for m in done_milestones %}{{ forloop.counter }} {{ m.title|upper }}{% endfor %}"
        "{% if invoices|length > 1 %}{{ total_due }}{% endif %}"
    )


def test_it_renders_plain_values_only() -> None:
    assert template_render("{{ client.name }}", {"client": {"name": "Acme"}}) == "Acme"


def _context(language: str, form: str) -> dict[str, Any]:
    client = SimpleNamespace(
        name="Acme GmbH",
        salutation="Frau Dr. Weber" if language == "de" else "Ms Turner",
        sign_off="",
        email="info@acme.example",
        language=language,
        form_of_address=form,
    )
    from crm.tone import tone_for

    client.tone = tone_for(client)
    today = datetime.date(2026, 11, 24)
    milestone = SimpleNamespace(
        title="Startseite",
        due_on=datetime.date(2026, 11, 20),
        forecast_on=datetime.date(2026, 12, 4),
        expected_on=datetime.date(2026, 12, 4),
        done_on=None,
        delay_reason="Die Texte kamen später.",
        state_on=lambda today: "at_risk",
    )
    invoice = SimpleNamespace(
        number="2026-0007",
        issued_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 10, 15),
        total_gross=Decimal("1190.00"),
        amount_paid=Decimal("190.00"),
        amount_due=Decimal("1000.00"),
        currency="EUR",
        project_id=None,
    )
    return message_context(
        client=client,
        today=today,
        freelancer={
            "name": "Alice",
            "business_name": "Alice Design",
            "email": "alice@example.com",
            "phone": "",
            "website": "",
            "bank_name": "Bank",
            "iban": "DE89370400440532013000",
            "bic": "",
            "address": [],
            "signature": "Alice\nAlice Design",
        },
        done_milestones=[],
        next_milestones=[milestone],
        milestone=milestone,
        invoice=invoice,
        invoices=[invoice],
        body="Kurze Frage zum Termin.",
    )


@pytest.mark.parametrize(("kind", "language", "form"), VARIANTS)
def test_it_ships_a_valid_default_for_every_kind_language_and_form(
    kind: str, language: str, form: str
) -> None:
    subject_source, body_source = default_source(kind, language, form)
    template_check(subject_source)
    template_check(body_source)
    rendered = render_sources(subject_source, body_source, _context(language, form))
    assert "\n" not in rendered.subject
    assert rendered.text.startswith(
        "Sehr geehrte Frau Dr. Weber," if language == "de" and form == "formal" else ""
    )
    assert "{{" not in rendered.text
    assert "{%" not in rendered.text
    assert "<p>" in rendered.html


def test_it_writes_german_informal_with_du_not_sie() -> None:
    subject, body = default_source("reminder_1", "de", "informal")
    rendered = render_sources(subject, body, _context("de", "informal"))
    assert " Sie " not in rendered.text
    assert "du" in rendered.text


def test_it_keeps_the_final_notice_polite() -> None:
    subject, body = default_source("reminder_3", "de", "formal")
    rendered = render_sources(subject, body, _context("de", "formal"))
    assert "Letzte Mahnung" in rendered.subject
    assert "Ratenzahlung" in rendered.text
