"""The inbox pages: settings with "test connection", Inbox to sort, one mail, its files."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clients.models import Contact
from clients.tests.factories import ClientFactory
from communications.models import Message
from communications.tests.factories import MessageFactory
from crm.testing import assert_login_required, assert_owner_only, client_for
from inbox import services
from inbox.models import InboundMail, Mailbox
from timeline.models import Activity

from .conftest import mime, sample


def mailbox_for(user: Any, **data: Any) -> Mailbox:
    fields = {"host": "imap.example.com", "port": 993, "security": "tls",
              "username": "alice", "folder": "INBOX", "is_active": True, **data}  # fmt: skip
    return services.mailbox_save(owner=user, data=fields, password="pw")


def record(user: Any, raw: bytes) -> InboundMail:
    mailbox = Mailbox.objects.filter(owner=user).first() or mailbox_for(user)
    mail, _created = services.mail_record(mailbox=mailbox, delivery=services.Delivery(raw=raw))
    return mail


@pytest.fixture
def waiting(alice: Any) -> InboundMail:
    """A mail from an address no client has: it waits in "Inbox to sort"."""
    return record(
        alice,
        mime(
            sender="Jana Kurz <jana@kurz-design.example>",
            subject="Anfrage Website",
            attachments=[("brief.pdf", b"%PDF-1.4 brief", "application/pdf")],
        ),
    )


def test_every_page_asks_for_a_login(anon_client: Any) -> None:
    for name in ("inbox:list", "inbox:settings"):
        url = reverse(name)
        assert_login_required(anon_client.get(url), url)


def test_it_shows_a_mail_only_to_its_owner(alice: Any, bob: Any, waiting: InboundMail) -> None:
    response = assert_owner_only(waiting.get_absolute_url(), owner=alice, other=bob)
    text = response.content.decode()
    assert "Anfrage Website" in text
    assert "Which client is this from?" in text
    assert "brief.pdf" in text


def test_it_serves_files_only_to_their_owner_and_only_as_downloads(
    alice: Any, bob: Any, waiting: InboundMail
) -> None:
    [attachment] = waiting.attachments.all()
    response = assert_owner_only(
        reverse("inbox:attachment", args=[attachment.pk]), owner=alice, other=bob
    )
    assert response.content == b"%PDF-1.4 brief"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    response = assert_owner_only(
        reverse("inbox:original", args=[waiting.pk]), owner=alice, other=bob
    )
    assert b"Subject: Anfrage Website" in response.content
    assert response["Content-Disposition"] == f'attachment; filename="mail-{waiting.pk}.eml"'


def test_it_assigns_a_waiting_mail_in_one_click_and_adds_the_contact(
    alice: Any, bob: Any, waiting: InboundMail
) -> None:
    kurz = ClientFactory(owner=alice, name="Kurz Design", email="info@kurz-design.example")
    reminder = MessageFactory(client=kurz, kind=Message.Kind.REMINDER_1, status="scheduled")
    assert_owner_only(
        reverse("inbox:assign", args=[waiting.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"client": kurz.pk, "add_contact": "on"},
        expect=(302,),
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.client, waiting.matched_by) == ("assigned", kurz, "hand")
    assert waiting.activity.kind == Activity.Kind.REPLY
    assert Contact.objects.get(client=kurz).email == "jana@kurz-design.example"
    reminder.refresh_from_db()
    assert reminder.status == Message.Status.HELD
    # A second click changes nothing.
    client_for(alice).post(reverse("inbox:assign", args=[waiting.pk]), {"client": kurz.pk})
    assert Activity.objects.filter(kind=Activity.Kind.REPLY).count() == 1


def test_it_refuses_to_assign_to_another_freelancers_client(
    alice_client: Any, bob: Any, waiting: InboundMail
) -> None:
    globex = ClientFactory(owner=bob)
    alice_client.post(reverse("inbox:assign", args=[waiting.pk]), {"client": globex.pk})
    waiting.refresh_from_db()
    assert waiting.status == InboundMail.Status.TO_SORT


def test_it_takes_a_mail_out_of_the_list(alice: Any, bob: Any, waiting: InboundMail) -> None:
    assert_owner_only(
        reverse("inbox:dismiss", args=[waiting.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"from": "list"},
        expect=(302,),
    )
    waiting.refresh_from_db()
    assert waiting.status == InboundMail.Status.DISMISSED


def test_the_list_offers_the_client_of_the_same_company_and_keeps_its_query_count(
    alice: Any, alice_client: Any, waiting: InboundMail, django_assert_num_queries: Any
) -> None:
    ClientFactory(owner=alice, name="Kurz Design", email="info@kurz-design.example")
    url = reverse("inbox:list")
    response = alice_client.get(url)
    text = response.content.decode()
    assert "Anfrage Website" in text
    assert "To Kurz Design" in text
    # Session, user, profile; count, page, three for the suggestions, the mailbox.
    with django_assert_num_queries(9):
        alice_client.get(url)
    for number in range(30):
        record(alice, mime(sender=f"p{number}@firm{number}.example", subject=f"S{number}"))
    with django_assert_num_queries(9):
        response = alice_client.get(url)
    assert len(response.context["rows"]) == 25
    # Automatic mail does not wait to be sorted.
    record(alice, sample("auto-reply-en.eml"))
    assert "Out of Office" not in alice_client.get(url).content.decode()
    assert "Out of Office" in alice_client.get(url + "?show=all").content.decode()


def test_the_mail_page_shows_html_only_sanitised(alice_client: Any, alice: Any) -> None:
    mail = record(alice, sample("html-only.eml"))
    response = alice_client.get(mail.get_absolute_url() + "?view=html")
    text = response.content.decode()
    assert "I&#x27;ll pay on <b>Friday</b>" in text or "I'll pay on <b>Friday</b>" in text
    assert "alert(" not in text
    assert "tracker.example" not in text
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_client_page_shows_the_reply_on_the_timeline_and_the_mail_in_a_section(
    alice: Any, alice_client: Any
) -> None:
    acme = ClientFactory(owner=alice, name="Acme GmbH", email="info@acme.example")
    mail = record(alice, mime(sender="info@acme.example", text="Ich zahle am Freitag."))
    page = alice_client.get(acme.get_absolute_url()).content.decode()
    assert "Ich zahle am Freitag." in page  # the timeline entry's text
    assert f'href="{mail.get_absolute_url()}"' in page  # the inbox's section


def test_settings_save_the_mailbox_with_the_password_encrypted(
    alice: Any, alice_client: Any
) -> None:
    url = reverse("inbox:settings")
    data = {"host": "imap.example.com", "port": 993, "security": "tls",
            "username": "alice@example.com", "folder": "INBOX", "is_active": "on",
            "password": "geheim-42", "action": "save"}  # fmt: skip
    assert alice_client.post(url, data).status_code == 302
    mailbox = Mailbox.objects.get(owner=alice)
    assert "geheim-42" not in mailbox.password_token
    # Saving again without a password keeps the stored one.
    token = mailbox.password_token
    assert alice_client.post(url, {**data, "password": ""}).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password_token == token
    assert "geheim-42" not in alice_client.get(url).content.decode()


def test_settings_refuse_plain_imap_to_another_machine(alice_client: Any) -> None:
    data = {"host": "imap.example.com", "port": 143, "security": "plain",
            "username": "a", "folder": "INBOX", "password": "x", "action": "save"}  # fmt: skip
    response = alice_client.post(reverse("inbox:settings"), data)
    assert response.status_code == 200
    assert "only for a server on this machine" in response.content.decode()
    assert not Mailbox.objects.exists()


@pytest.mark.dovecot
def test_test_connection_answers_clearly_and_saves_nothing(alice_client: Any, dovecot: Any) -> None:
    dovecot.add_user("alice", "imap-secret")
    dovecot.deliver("alice", mime())
    data = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain",
            "username": "alice", "folder": "INBOX", "password": "imap-secret",
            "action": "test"}  # fmt: skip
    text = alice_client.post(reverse("inbox:settings"), data).content.decode()
    assert "Connected. The folder “INBOX” holds 1 mails." in text
    assert not Mailbox.objects.exists()
    text = alice_client.post(reverse("inbox:settings"), {**data, "password": "wrong"}).content
    assert "The server refused the user name or the password." in text.decode()
    text = alice_client.post(reverse("inbox:settings"), {**data, "folder": "Nope"}).content
    assert "The folder “Nope” does not exist on the server." in text.decode()


@pytest.mark.dovecot
def test_the_settings_page_shows_the_last_fetch_and_the_last_problem_in_german(
    alice: Any, alice_client: Any, dovecot: Any, mailbox_of: Any
) -> None:
    from inbox.fetching import mailbox_fetch

    alice.profile.language = "de"
    alice.profile.save()
    mailbox = mailbox_of(alice)
    mailbox_fetch(mailbox_id=mailbox.pk)
    dovecot.add_user("alice", "changed")
    mailbox_fetch(mailbox_id=mailbox.pk)
    text = alice_client.get(reverse("inbox:settings")).content.decode()
    assert "Letzter erfolgreicher Abruf" in text
    assert "Der Server hat den Benutzernamen oder das Passwort abgelehnt." in text


def test_fetch_now_queues_a_fetch_after_commit(
    alice: Any, alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mailbox_for(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(reverse("inbox:fetch_now"), follow=True)
    assert "New mail is being fetched" in response.content.decode()
    assert len(callbacks) == 1
