"""User-edited message templates cannot reach settings, secrets or other users' data.

Each payload goes through the browser's template editor (save) and the preview endpoint, and,
when the sandbox accepts it, through message_compose (the path every real message takes). It must
be refused with a form error or render empty; the secret key, password hashes and the request
never show up. communications/tests/test_sandbox.py covers the sandbox module directly.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clients.tests.factories import ClientFactory
from communications.models import Message, MessageTemplate
from communications.services import message_compose

SECRET = "s3cr3t-" + "K" * 43

PAYLOADS = [
    "{{ settings.SECRET_KEY }}",
    "{{ client.owner.password }}",
    "{{ client.owner.profile.iban }}{{ client.owner.email }}",
    "{% load static %}{% static 'x' %}",
    "{% load log %}{% get_admin_log 10 as log %}{{ log }}",
    '{% include "crm/settings.py" %}',
    '{% include "../crm/settings.py" %}',
    '{% extends "base.html" %}',
    "{% debug %}",
    "{{ request }}{{ request.META }}{{ request.user.password }}",
    "{{ client.__class__ }}{{ client.__class__.__mro__ }}",
    "{{ tone.__dict__ }}{{ greeting.__class__.__init__.__globals__ }}",
    "{{ client._meta }}{{ client.objects.all }}",
    "{{ client.delete }}{{ client.save }}",
    "{% ssi '/etc/passwd' %}",
    "{% templatetag openvariable %} settings.SECRET_KEY {% templatetag closevariable %}",
    "{{ csrf_token }}{{ perms }}{{ user.password }}",
    "{% with s=settings %}{{ s.SECRET_KEY }}{% endwith %}",
    "{% for k, v in client.items %}{{ k }}{{ v }}{% endfor %}",
    "{{ client.name|add:settings.SECRET_KEY }}",
]


@pytest.fixture
def secret(settings: Any) -> str:
    settings.SECRET_KEY = SECRET
    return SECRET


def forbidden_values(alice: Any) -> list[str]:
    return [SECRET, alice.password, "root:x:0:0", "DATABASE_URL", "WSGIRequest", "__globals__"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_refuses_or_empties_template_escapes_in_the_editor(
    secret: str, alice_client: Any, alice: Any, payload: str
) -> None:
    ClientFactory(owner=alice, name="Weber Studio", email="weber@example.com")
    url = reverse("communications:template_edit", args=["one_off", "de", "formal"])
    body = f"{{{{ greeting }}}}\n\nVor: {payload} :Nach\n"

    response = alice_client.post(url, {"subject": f"Hallo {payload}", "body": body})

    assert response.status_code in (200, 302)
    page = alice_client.get(url).content.decode()
    for value in forbidden_values(alice):
        assert value not in page
    saved = MessageTemplate.objects.filter(owner=alice).first()
    if saved is None:
        assert response.status_code == 200  # refused with a form error
        return
    client = ClientFactory(owner=alice, language="de", form_of_address="formal")
    message, _ = message_compose(kind=Message.Kind.ONE_OFF, client=client, dedupe_key="escape")
    rendered = message.subject + message.body_text + (message.body_html or "")
    for value in forbidden_values(alice):
        assert value not in rendered


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_refuses_or_empties_template_escapes_in_the_preview(
    secret: str, alice_client: Any, alice: Any, payload: str
) -> None:
    client = ClientFactory(owner=alice, name="Weber Studio", email="weber@example.com")
    url = reverse("communications:template_preview", args=["one_off", "de", "formal"])

    response = alice_client.post(
        url, {"client": client.pk, "subject": payload, "body": f"A {payload} B"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    for value in forbidden_values(alice):
        assert value not in html


def test_it_previews_only_own_clients(alice_client: Any, bob: Any) -> None:
    bobs = ClientFactory(owner=bob, name="Bobs Geheimkunde")
    url = reverse("communications:template_preview", args=["one_off", "de", "formal"])

    response = alice_client.post(url, {"client": bobs.pk, "subject": "x", "body": "{{ client }}"})

    assert "Bobs Geheimkunde" not in response.content.decode()
