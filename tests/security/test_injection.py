"""Injection and redirect threats outside HTML: open redirects, dead portal links, CSV formulas,
vCard / iCalendar line injection and e-mail header injection."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import ClientFactory
from communications.dispatch import messages_dispatch
from communications.models import Message
from communications.tests.factories import MessageFactory
from portal.models import PortalLink
from projects.tests.factories import MilestoneFactory, ProjectFactory

EVIL = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "https:evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_it_never_redirects_off_site_after_login(client: Client, alice: Any, target: str) -> None:
    response = client.post(
        f"{reverse('login')}?next={target}",
        {"login": "alice", "password": "correct horse 42", "next": target},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_it_never_redirects_off_site_after_a_language_switch(
    client: Client, db: None, target: str
) -> None:
    response = client.post(reverse("crm:set_language"), {"language": "de", "next": target})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_it_answers_404_to_a_dead_portal_link(client: Client, alice: Any, state: str) -> None:
    link = PortalLink.objects.create(owner=alice, project=ProjectFactory(owner=alice))
    if state == "revoked":
        link.revoked_at = timezone.now()
    else:
        link.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    link.save()

    for name in ("portal:page", "portal:offer_pdf"):
        assert client.get(reverse(name, args=[link.token])).status_code == 404
    assert client.post(reverse("portal:change", args=[link.token]), {"title": "x"}).status_code in (
        403,
        404,
    )


def test_it_exports_formulas_as_text(alice_client: Client, alice: Any) -> None:
    ClientFactory(owner=alice, name='=HYPERLINK("http://evil.example","x")', city="@SUM(A1)")
    ClientFactory(owner=alice, name="+cmd|' /C calc'!A0", city="-2+3")

    content = b"".join(alice_client.get(reverse("clients:export"))).decode("utf-8-sig")

    cells = [cell.strip('"') for line in content.splitlines() for cell in line.split(";")]
    assert not [cell for cell in cells if cell[:1] in {"=", "@"} or cell.startswith("+cmd")]
    assert not [cell for cell in cells if cell.startswith("-2")]


def test_it_keeps_a_vcard_to_one_client(alice_client: Client, alice: Any) -> None:
    client = ClientFactory(
        owner=alice,
        name="Weber\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Injected",
        email="weber@example.com\nX-EVIL:1",
    )

    card = alice_client.get(reverse("clients:vcard", args=[client.pk])).content.decode()

    lines = card.replace("\r\n ", "").split("\r\n")
    assert lines.count("BEGIN:VCARD") == 1
    assert lines.count("END:VCARD") == 1
    assert not [line for line in lines if line.startswith(("FN:Injected", "X-EVIL"))]


def test_it_keeps_calendar_events_to_their_own_lines(client: Client, alice: Any) -> None:
    project = ProjectFactory(owner=alice, title="Relaunch\r\nEND:VEVENT\r\nBEGIN:VEVENT")
    MilestoneFactory(
        project=project,
        title="Entwurf\nATTACH:http://evil.example/x",
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )

    feed = client.get(reverse("calendar:feed", args=[alice.profile.calendar_token]))
    text = b"".join(feed).decode() if feed.streaming else feed.content.decode()

    lines = text.replace("\r\n ", "").split("\r\n")
    assert feed.status_code == 200
    events = lines.count("BEGIN:VEVENT")
    assert events >= 1
    assert events == lines.count("END:VEVENT")
    assert events == len([line for line in lines if line.startswith("UID:")])
    assert not [line for line in lines if line.startswith("ATTACH")]


@pytest.mark.django_db
def test_it_never_sends_an_e_mail_with_injected_headers(alice: Any) -> None:
    client = ClientFactory(owner=alice, email="weber@example.com")
    MessageFactory(
        owner=alice,
        client=client,
        to="weber@example.com",
        subject="Hallo\r\nBcc: victim@evil.example",
        status=Message.Status.SCHEDULED,
        send_after=timezone.now() - datetime.timedelta(minutes=1),
    )
    MessageFactory(
        owner=alice,
        client=client,
        to="weber@example.com\r\nBcc: victim2@evil.example",
        subject="Hallo",
        status=Message.Status.SCHEDULED,
        send_after=timezone.now() - datetime.timedelta(minutes=1),
    )

    messages_dispatch(now=timezone.now())

    statuses = sorted(Message.objects.values_list("status", flat=True))
    assert statuses == [Message.Status.HELD, Message.Status.SENT]  # the bad address is held
    assert len(mail.outbox) == 1
    sent = mail.outbox[0].message()
    assert sent["Bcc"] is None
    assert sent["Subject"] == "Hallo Bcc: victim@evil.example"  # one line of text, no header

    for sent in mail.outbox:
        recipients = [*sent.to, *sent.cc, *sent.bcc]
        assert not [r for r in recipients if "evil.example" in r]
        assert "\n" not in sent.subject


MARKER = "<script>alert(1)</script>"


def test_it_escapes_client_data_in_the_html_e_mail(alice: Any) -> None:
    from communications.services import message_compose

    client = ClientFactory(owner=alice, name=MARKER, salutation=f"Frau {MARKER}", language="de")

    message, _ = message_compose(kind=Message.Kind.ONE_OFF, client=client, dedupe_key="xss")

    assert MARKER not in message.body_html
    assert "&lt;script&gt;" in message.body_html or MARKER not in message.body_text


def test_it_escapes_an_edited_draft_in_the_html_e_mail(alice_client: Client, alice: Any) -> None:
    message = MessageFactory(owner=alice, client=ClientFactory(owner=alice))

    response = alice_client.post(
        reverse("communications:edit", args=[message.pk]),
        {"subject": f"Hallo {MARKER}", "body_text": f"Text {MARKER}\n\n<b>fett</b>"},
    )
    message.refresh_from_db()

    assert response.status_code in (200, 302)
    assert MARKER in message.body_text
    assert MARKER not in message.body_html
    assert "<b>fett</b>" not in message.body_html
