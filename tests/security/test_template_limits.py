"""The message-template language has limits: loops, nesting, render time, output size.

The issue's attack: five nested ``{% for %}`` loops over a 200-character client name passed the
check (3 x 10^11 iterations); three took 6.4 s and returned 8 MB in the live preview; and the
expression check stopped after 8 levels of an ``{% if %}`` condition.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clients.tests.factories import ClientFactory
from communications.models import MessageTemplate
from communications.rendering import default_source, message_render
from communications.sandbox import (
    TemplateLimitExceeded,
    TemplateProblem,
    template_check,
    template_render,
)
from crm.celery import app as celery_app

pytestmark = pytest.mark.django_db

NAME = "x" * 200
STRING_LOOPS = [
    "{% for a in client.name %}{% for b in client.name %}{% for c in client.name %}"
    "{% for d in client.name %}{% for e in client.name %}.{% endfor %}{% endfor %}{% endfor %}"
    "{% endfor %}{% endfor %}",
    "{% for c in client.name %}{{ c }}{% endfor %}",
    '{% for c in "abcdef" %}{{ c }}{% endfor %}',
    '{% for m in milestones|join:"," %}{{ m }}{% endfor %}',
    "{% with n=client.name %}{% for c in n %}{{ c }}{% endfor %}{% endwith %}",
    "{% for c in tone %}{{ c }}{% endfor %}",
    "{% for m in milestones %}{% for c in forloop %}{{ c }}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("source", STRING_LOOPS)
def test_it_refuses_loops_over_anything_but_a_list(source: str) -> None:
    with pytest.raises(TemplateProblem, match="may only walk a list"):
        template_check(source)


def test_it_limits_the_nesting_of_loops(settings: Any) -> None:
    settings.COMMS_TEMPLATE_MAX_LOOP_NESTING = 2
    two = "{% for m in milestones %}{% for i in invoices %}{{ i.number }}{% endfor %}{% endfor %}"
    template_check(two)
    three = (
        "{% for m in milestones %}{% for i in invoices %}{% for n in needed_from_client %}"
        "{{ n }}{% endfor %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateProblem, match="nested at most 2 deep") as problem:
        template_check(three)
    assert problem.value.line == 1
    # Nesting hidden in if / with blocks counts as well.
    hidden = (
        "{% for m in milestones %}{% if has_news %}{% with x=level %}{% for i in invoices %}"
        "{% for n in needed_from_client %}{{ n }}{% endfor %}{% endfor %}{% endwith %}{% endif %}"
        "{% endfor %}"
    )
    with pytest.raises(TemplateProblem, match="nested at most 2 deep"):
        template_check(hidden)


def _big_context(rows: int) -> dict[str, Any]:
    milestone = {"title": "M" * 50}
    return {
        "client": {"name": NAME},
        "milestones": [milestone] * rows,
        "invoices": [{"number": "2026-0001"}] * rows,
    }


def test_it_caps_the_output_and_names_the_limit(settings: Any) -> None:
    settings.COMMS_TEMPLATE_MAX_OUTPUT = 10_000
    source = "{% for m in milestones %}{% for i in invoices %}{{ m.title }}{% endfor %}{% endfor %}"
    template_check(source)
    with pytest.raises(TemplateLimitExceeded, match="COMMS_TEMPLATE_MAX_OUTPUT") as problem:
        template_render(source, _big_context(1000))  # would be 50 MB
    assert "10,000" in str(problem.value)
    # The same template within the cap renders in full.
    assert len(template_render(source, _big_context(10))) == 5000


def test_it_stops_a_render_past_its_time_budget_and_names_it(settings: Any) -> None:
    settings.COMMS_TEMPLATE_RENDER_SECONDS = 0  # the deadline has passed at the first output
    with pytest.raises(TemplateLimitExceeded, match="COMMS_TEMPLATE_RENDER_SECONDS"):
        template_render("{{ client.name }}", {"client": {"name": "Acme"}})


def test_it_meters_output_of_every_leaf_tag(settings: Any) -> None:
    settings.COMMS_TEMPLATE_MAX_OUTPUT = 1000
    source = "{% for m in milestones %}{% cycle 'aaaaaaaaaa' 'bbbbbbbbbb' %}{% endfor %}"
    with pytest.raises(TemplateLimitExceeded):
        template_render(source, _big_context(500))


def test_it_refuses_the_preview_with_the_limit(
    alice_client: Any, alice: Any, settings: Any
) -> None:
    settings.COMMS_TEMPLATE_MAX_OUTPUT = 50
    acme = ClientFactory(owner=alice, name=NAME)
    url = reverse("communications:template_preview", args=["one_off", "en", "formal"])
    body = "{{ client.name }}{{ client.name }}"
    response = alice_client.post(url, {"client": acme.pk, "subject": "Hi", "body": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert "COMMS_TEMPLATE_MAX_OUTPUT" in html
    assert NAME not in html


def test_it_falls_back_to_the_shipped_wording_when_an_override_exceeds_a_limit(
    alice: Any, settings: Any
) -> None:
    MessageTemplate.objects.create(
        owner=alice,
        kind="one_off",
        language="en",
        form="formal",
        subject="Hi",
        body="{{ client.name }}" * 3,
    )
    settings.COMMS_TEMPLATE_MAX_OUTPUT = 400
    context = {
        "client": {"name": NAME},
        "tone": {"language": "en", "greeting": "Dear Ms Turner,", "closing": "Kind regards"},
        "freelancer": {"signature": "Alice"},
        "body": "Short question.",
    }
    rendered = message_render(
        owner_id=alice.pk, kind="one_off", language="en", form="formal", context=context
    )
    assert NAME not in rendered.text
    assert "Short question." in rendered.text
    assert default_source("one_off", "en", "formal")[1]  # the fallback exists


# --- The expression check is complete at any depth (hypothesis) ---------------------------

KNOWN = ["client.name", "invoice.total", "has_news", "level", "tone.is_formal", "1", '"x"']
UNKNOWN = ["secret", "client.owner", "invoice.project.owner", "request.user", "tone.__dict__"]
BINARY = ["and", "or", "==", "!=", "<", ">", "<=", ">="]


@st.composite
def conditions(draw: Any, leaves: list[str]) -> str:
    """An if-condition of 1 to 60 operands joined by random operators, some negated."""
    operands = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=60))
    parts = []
    for index, operand in enumerate(operands):
        if index:
            parts.append(draw(st.sampled_from(BINARY)))
        if draw(st.booleans()):
            operand = "not " + operand
        parts.append(operand)
    return " ".join(parts)


@given(data=st.data())
@hsettings(max_examples=60, deadline=None, database=None)
def test_it_finds_an_unknown_variable_at_any_depth_of_a_condition(data: Any) -> None:
    condition = data.draw(conditions(KNOWN))
    template_check(f"{{% if {condition} %}}x{{% endif %}}")
    words = condition.split()
    position = data.draw(st.integers(min_value=0, max_value=len(words)))
    bad = data.draw(st.sampled_from(UNKNOWN))
    operator = data.draw(st.sampled_from(["and", "or"]))
    poisoned = " ".join([*words[:position], bad, operator, *words[position:]]) if words else bad
    if position == len(words):
        poisoned = f"{condition} {operator} {bad}"
    with pytest.raises(TemplateProblem):
        template_check(f"{{% if {poisoned} %}}x{{% endif %}}")


def blocks(leaves: list[str]) -> Any:
    """Nested if / with / for-over-a-list blocks around variables drawn from ``leaves``."""
    variable = st.sampled_from(leaves).map(lambda name: f"{{{{ {name} }}}}")

    def extend(children: Any) -> Any:
        many = st.lists(children, min_size=1, max_size=3).map("".join)
        return st.one_of(
            st.tuples(st.sampled_from(leaves), many).map(
                lambda pair: f"{{% if {pair[0]} %}}{pair[1]}{{% else %}}-{{% endif %}}"
            ),
            st.tuples(st.sampled_from(leaves), many).map(
                lambda pair: f"{{% with w={pair[0]} %}}{pair[1]}{{% endwith %}}"
            ),
            many.map(lambda inner: f"{{% for m in milestones %}}{inner}{{% endfor %}}"),
        )

    return st.recursive(variable, extend, max_leaves=25)


def _loop_depth(source: str) -> int:
    depth = deepest = 0
    for token in source.split("{%")[1:]:
        word = token.split()[0]
        if word == "for":
            depth += 1
            deepest = max(deepest, depth)
        elif word == "endfor":
            depth -= 1
    return deepest


@given(source=blocks(KNOWN), bad=st.sampled_from(UNKNOWN), data=st.data())
@hsettings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_it_checks_nested_templates_completely(
    source: str, bad: str, data: Any, settings: Any
) -> None:
    settings.COMMS_TEMPLATE_MAX_LOOP_NESTING = 50
    template_check(source)
    context = {"client": {"name": NAME}, "milestones": [{"title": "M"}] * 3, "level": 1}
    assert isinstance(template_render(source, context), str)
    # Replace one known leaf, wherever it sits, by an unknown one: refused.
    occurrences = [name for name in KNOWN if name in source and not name.startswith(("1", '"'))]
    if not occurrences:
        return
    victim = data.draw(st.sampled_from(occurrences))
    with pytest.raises(TemplateProblem):
        template_check(source.replace(victim, bad, 1))
    # And with the shipped nesting limit, anything deeper than two loops is refused.
    settings.COMMS_TEMPLATE_MAX_LOOP_NESTING = 2
    if _loop_depth(source) > 2:
        with pytest.raises(TemplateProblem, match="nested at most"):
            template_check(source)
    else:
        template_check(source)


def test_it_checks_conditions_far_deeper_than_eight_levels() -> None:
    deep = " and ".join(["has_news"] * 200) + " and client.owner.password"
    with pytest.raises(TemplateProblem, match=r"client\.owner"):
        template_check(f"{{% if {deep} %}}x{{% endif %}}")
    nots = "not " * 300 + "secret"
    with pytest.raises(TemplateProblem):
        template_check(f"{{% if {nots} %}}x{{% endif %}}")


def test_it_gives_every_celery_task_soft_and_hard_time_limits() -> None:
    conf = celery_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    # Every task of the project inherits them (none sets its own limit to "none").
    celery_app.loader.import_default_modules()
    own = [name for name in celery_app.tasks if not name.startswith("celery.")]
    assert own
    for name in own:
        task = celery_app.tasks[name]
        assert task.soft_time_limit is None or task.soft_time_limit > 0, name
        assert task.time_limit is None or task.time_limit > 0, name
