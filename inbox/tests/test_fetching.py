"""Fetching from a real Dovecot: once per mail across restarts, claims, renumbering, faults."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from clients.tests.factories import ClientFactory
from communications.models import Message
from communications.tests.factories import MessageFactory
from inbox import fetching, services
from inbox.fetching import mailbox_claim, mailbox_fetch
from inbox.models import Blob, InboundMail, Mailbox
from tests.harness import SilentServer
from timeline.models import Activity

from .conftest import mime, sample

pytestmark = [pytest.mark.dovecot]


def fetch(mailbox: Mailbox) -> fetching.FetchResult:
    result = mailbox_fetch(mailbox_id=mailbox.pk)
    mailbox.refresh_from_db()
    return result


@pytest.mark.django_db
def test_it_reads_each_new_mail_once_and_puts_replies_on_the_timeline(
    alice: Any, acme: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    reminder = MessageFactory(
        client=acme,
        kind=Message.Kind.REMINDER_1,
        status=Message.Status.SENT,
        message_id="<r1.42@kundenpflege.crm>",
    )
    planned = MessageFactory(client=acme, kind=Message.Kind.REMINDER_2, status="scheduled")
    dovecot.deliver(
        "alice",
        mime(
            sender="Anna Weber <anna.weber@gmail.example>",
            subject="AW: Erinnerung",
            text="Ich zahle am Freitag.\n\nAm 12.11. schrieb Alice <alice@example.com>:\n> Hallo",
            in_reply_to="<r1.42@kundenpflege.crm>",
        ),
    )
    dovecot.deliver("alice", mime(sender="INFO@ACME.EXAMPLE", subject="Zweite Mail"))
    dovecot.deliver("alice", mime(sender="someone@elsewhere.example", subject="Wer?"))
    result = fetch(mailbox)
    assert (result.recorded, result.duplicates, result.problem) == (3, 0, "")
    by_thread = InboundMail.objects.get(subject="AW: Erinnerung")
    assert (by_thread.client, by_thread.matched_by, by_thread.answers) == (acme, "thread", reminder)
    assert by_thread.reply_text == "Ich zahle am Freitag."
    assert by_thread.activity.kind == Activity.Kind.REPLY
    assert by_thread.activity.detail == "Ich zahle am Freitag."
    assert InboundMail.objects.get(subject="Zweite Mail").matched_by == "sender"
    assert InboundMail.objects.get(subject="Wer?").status == InboundMail.Status.TO_SORT
    planned.refresh_from_db()
    assert planned.status == Message.Status.HELD
    assert mailbox.last_success_at is not None
    assert mailbox.last_uid == 3
    assert mailbox.mails_read == 3
    # Nothing new: nothing read, nothing recorded twice.
    assert fetch(mailbox).recorded == 0
    dovecot.deliver("alice", mime(subject="Noch eine"))
    assert fetch(mailbox).recorded == 1
    assert InboundMail.objects.count() == 4
    assert Activity.objects.filter(kind=Activity.Kind.REPLY).count() == 2


@pytest.mark.django_db
def test_it_never_matches_another_freelancers_client(
    alice: Any, bob: Any, dovecot: Any, mailbox_of: Any
) -> None:
    ClientFactory(owner=bob, email="boss@globex.example")
    MessageFactory(
        client=ClientFactory(owner=bob), status="sent", message_id="<bob.1@kundenpflege.crm>"
    )
    mailbox = mailbox_of(alice)
    dovecot.deliver("alice", mime(sender="boss@globex.example"))
    dovecot.deliver("alice", mime(sender="x@y.example", in_reply_to="<bob.1@kundenpflege.crm>"))
    fetch(mailbox)
    assert set(InboundMail.objects.values_list("status", flat=True)) == {"to_sort"}


@pytest.mark.django_db
def test_a_mail_read_again_after_a_crash_is_recorded_once(
    alice: Any, acme: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    for number in range(3):
        dovecot.deliver("alice", mime(sender="info@acme.example", subject=f"Mail {number}"))
    fetch(mailbox)
    # A run that died after recording but before moving the cursor: the UIDs come again.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)
    result = fetch(mailbox)
    assert (result.recorded, result.duplicates) == (0, 3)
    assert InboundMail.objects.count() == 3
    assert Activity.objects.filter(kind=Activity.Kind.REPLY).count() == 3


@pytest.mark.django_db
def test_a_claimed_mailbox_is_left_to_its_run_until_the_lease_ends(
    alice: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    dovecot.deliver("alice", mime())
    now = timezone.now()
    token = mailbox_claim(mailbox_id=mailbox.pk, now=now)
    assert token is not None
    assert mailbox_claim(mailbox_id=mailbox.pk, now=now) is None
    assert fetch(mailbox).claimed is False
    assert InboundMail.objects.count() == 0
    # The worker holding it was killed: once the lease is over, the next run takes over.
    Mailbox.objects.filter(pk=mailbox.pk).update(fetch_lease_until=now)
    assert fetch(mailbox).recorded == 1
    assert mailbox.fetch_token == ""


@pytest.mark.django_db
def test_a_run_that_lost_its_claim_stops_without_moving_the_cursor(
    alice: Any, dovecot: Any, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = mailbox_of(alice)
    for number in range(3):
        dovecot.deliver("alice", mime(subject=f"Mail {number}"))
    original = services.mails_record

    def stall_then_lose_the_claim(**kwargs: Any) -> Any:
        result = original(**kwargs)
        # Meanwhile the lease ran out and another run claimed the mailbox.
        Mailbox.objects.filter(pk=mailbox.pk).update(fetch_token="another-run")
        return result

    monkeypatch.setattr(fetching, "mails_record", stall_then_lose_the_claim)
    result = fetch(mailbox)
    assert result.more is True
    assert InboundMail.objects.count() == 0  # rolled back with its cursor move
    assert mailbox.last_uid == 0


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_record_every_mail_once(alice: Any, dovecot: Any, mailbox_of: Any) -> None:
    mailbox = mailbox_of(alice)
    for number in range(20):
        dovecot.deliver("alice", mime(subject=f"Mail {number}"))
    results: list[fetching.FetchResult] = []

    def run() -> None:
        try:
            results.append(mailbox_fetch(mailbox_id=mailbox.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result.claimed for result in results) >= 1
    assert sum(result.recorded for result in results) == 20
    assert InboundMail.objects.count() == 20


@pytest.mark.django_db
def test_a_renumbered_folder_is_checked_again_without_duplicates(
    alice: Any, acme: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    dovecot.deliver("alice", mime(sender="info@acme.example", subject="Vorher"))
    dovecot.deliver("alice", sample("no-message-id.eml"))
    fetch(mailbox)
    first_validity = mailbox.uidvalidity
    dovecot.renumber("alice")
    dovecot.deliver("alice", mime(sender="info@acme.example", subject="Nachher"))
    result = fetch(mailbox)
    assert result.renumbered
    assert mailbox.uidvalidity != first_validity
    assert mailbox.uidvalidity_changed_at is not None
    assert result.recorded == 1
    assert sorted(InboundMail.objects.values_list("subject", flat=True)) == [
        "Nachher",
        "Vorher",
        "Without an ID",
    ]
    assert Activity.objects.filter(kind=Activity.Kind.REPLY).count() == 2


@pytest.mark.django_db
def test_bad_mail_is_kept_readable_and_nothing_is_lost(
    alice: Any, dovecot: Any, mailbox_of: Any, settings: Any
) -> None:
    settings.INBOX_ATTACHMENT_MAX_MB = 10
    mailbox = mailbox_of(alice)
    names = [
        "cp1252-labelled-utf8.eml",
        "8bit-headers.eml",
        "malformed-mime.eml",
        "html-only.eml",
        "auto-reply-de.eml",
        "no-message-id.eml",
    ]
    for name in names:
        dovecot.deliver("alice", sample(name))
    huge = b"\x00\x01" * (15 * 1024 * 1024)  # 30 MB
    dovecot.deliver(
        "alice",
        mime(subject="Die Druckdaten", attachments=[("druck.pdf", huge, "application/pdf")]),
    )
    recipients = ", ".join(f"person{n}@list.example" for n in range(5000))
    dovecot.deliver("alice", mime(subject="An alle", to=recipients))
    result = fetch(mailbox)
    assert (result.recorded, result.problem) == (8, "")
    assert InboundMail.objects.count() == 8
    big = InboundMail.objects.get(subject="Die Druckdaten")
    [attachment] = big.attachments.all()
    assert (attachment.filename, attachment.size, attachment.blob) == ("druck.pdf", len(huge), None)
    assert {"code": "attachment_skipped", "name": "druck.pdf", "size": len(huge)} in big.notes
    assert big.text == "Ich zahle am Freitag."
    assert InboundMail.objects.get(subject="An alle").recipient_count == 5000
    assert "Büroräume" in InboundMail.objects.get(message_id="cp1252.1@mueller-bau.example").subject
    # Every original is kept byte for byte.
    for mail in InboundMail.objects.select_related("raw"):
        assert mail.raw.size == len(bytes(mail.raw.content))
    assert InboundMail.objects.get(subject="Die Druckdaten").raw.size > 30 * 1024 * 1024


@pytest.mark.django_db
def test_a_mail_over_the_download_limit_is_read_as_headers_only(
    alice: Any, acme: Any, dovecot: Any, mailbox_of: Any, settings: Any
) -> None:
    settings.INBOX_MESSAGE_MAX_MB = 0.01  # 10 KB
    mailbox = mailbox_of(alice)
    dovecot.deliver(
        "alice",
        mime(sender="info@acme.example", attachments=[("a.bin", b"x" * 50_000, "application/x")]),
    )
    dovecot.deliver("alice", mime(sender="info@acme.example", subject="Klein"))
    assert fetch(mailbox).recorded == 2
    large = InboundMail.objects.get(subject="Rechnung 2026-0042")
    assert large.headers_only
    assert large.client == acme  # matched and on the timeline all the same
    assert large.notes[-1]["code"] == "headers_only"


@pytest.mark.django_db
def test_attachments_are_stored_once(alice: Any, dovecot: Any, mailbox_of: Any) -> None:
    mailbox = mailbox_of(alice)
    logo = b"%PDF-1.4 the same file twice"
    for number in range(2):
        dovecot.deliver(
            "alice", mime(subject=f"Mit Anhang {number}", attachments=[("a.pdf", logo, "a/pdf")])
        )
    fetch(mailbox)
    assert Blob.objects.filter(content=logo).count() == 1
    assert InboundMail.objects.filter(attachments__blob__content=logo).count() == 2


@pytest.mark.django_db
def test_a_wrong_password_gives_a_clear_state_and_a_later_success_clears_it(
    alice: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    dovecot.deliver("alice", mime())
    dovecot.add_user("alice", "changed-on-the-server")
    result = fetch(mailbox)
    assert result.problem == Mailbox.Problem.AUTH
    assert mailbox.last_error_code == Mailbox.Problem.AUTH
    assert mailbox.last_error_at is not None
    assert mailbox.last_success_at is None
    assert mailbox.fetch_lease_until is None  # the claim ends with the run
    services.mailbox_save(
        owner=alice,
        data={"host": mailbox.host, "port": mailbox.port, "username": "alice"},
        password="changed-on-the-server",
    )
    assert fetch(mailbox).recorded == 1
    assert mailbox.last_error_code == ""


@pytest.mark.django_db
def test_a_folder_that_disappears_and_an_account_that_is_gone_are_reported(
    alice: Any, dovecot: Any, mailbox_of: Any
) -> None:
    mailbox = mailbox_of(alice)
    dovecot.create_folder("alice", "Kunden")
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="Kunden")
    dovecot.deliver("alice", mime(), folder="Kunden")
    assert fetch(mailbox).recorded == 1
    dovecot.delete_folder("alice", "Kunden")
    assert fetch(mailbox).problem == Mailbox.Problem.FOLDER
    dovecot.remove_user("alice")
    assert fetch(mailbox).problem == Mailbox.Problem.AUTH
    assert InboundMail.objects.count() == 1


@pytest.mark.django_db
def test_a_server_that_does_not_answer_times_out(alice: Any, settings: Any) -> None:
    settings.INBOX_TIMEOUT = 1
    server = SilentServer()
    server.start()
    try:
        mailbox = services.mailbox_save(
            owner=alice,
            data={"host": "127.0.0.1", "port": server.port, "security": "plain",
                  "username": "alice", "folder": "INBOX", "is_active": True},
            password="x",
        )  # fmt: skip
        started = datetime.datetime.now(tz=datetime.UTC)
        result = fetch(mailbox)
        elapsed = datetime.datetime.now(tz=datetime.UTC) - started
    finally:
        server.stop()
    assert result.problem == Mailbox.Problem.TIMEOUT
    assert mailbox.last_error_code == Mailbox.Problem.TIMEOUT
    assert elapsed < datetime.timedelta(seconds=20)


@pytest.mark.django_db
def test_a_server_that_is_not_there_is_reported(alice: Any) -> None:
    from tests.harness import free_port

    mailbox = services.mailbox_save(
        owner=alice,
        data={"host": "127.0.0.1", "port": free_port(), "security": "plain",
              "username": "alice", "folder": "INBOX", "is_active": True},
        password="x",
    )  # fmt: skip
    assert fetch(mailbox).problem == Mailbox.Problem.CONNECT


@pytest.mark.django_db
def test_the_first_fetch_reads_only_recent_mail(
    alice: Any, dovecot: Any, mailbox_of: Any, settings: Any
) -> None:
    import os

    settings.INBOX_FIRST_DAYS = 14
    mailbox = mailbox_of(alice)
    old = dovecot.deliver("alice", mime(subject="Alt"))
    long_ago = (timezone.now() - datetime.timedelta(days=60)).timestamp()
    os.utime(old, (long_ago, long_ago))  # maildir: the file time is the arrival time
    dovecot.deliver("alice", mime(subject="Neu"))
    fetch(mailbox)
    assert list(InboundMail.objects.values_list("subject", flat=True)) == ["Neu"]
    dovecot.deliver("alice", mime(subject="Neuer"))
    fetch(mailbox)
    assert InboundMail.objects.count() == 2


@pytest.mark.django_db
def test_an_unreadable_password_is_reported(alice: Any, dovecot: Any, mailbox_of: Any) -> None:
    mailbox = mailbox_of(alice)
    Mailbox.objects.filter(pk=mailbox.pk).update(password_token="not-a-fernet-token")
    assert fetch(mailbox).problem == Mailbox.Problem.PASSWORD


@pytest.mark.django_db
def test_a_batch_that_fails_is_recorded_mail_by_mail_and_a_bad_mail_is_kept_whole(
    alice: Any, dovecot: Any, mailbox_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = mailbox_of(alice)
    for number in range(3):
        dovecot.deliver("alice", mime(subject=f"Mail {number}"))
    original = services.mails_record

    def refuse_batches_and_mail_1(*, mailbox: Mailbox, deliveries: list[Any]) -> Any:
        # An injected fault: the database refuses any batch, and "Mail 1" on its own.
        if len(deliveries) > 1 or b"Subject: Mail 1" in deliveries[0].raw:
            raise ValueError("refused")
        return original(mailbox=mailbox, deliveries=deliveries)

    monkeypatch.setattr(fetching, "mails_record", refuse_batches_and_mail_1)
    monkeypatch.setattr(fetching, "mail_record", lambda **kw: refuse_batches_and_mail_1(
        mailbox=kw["mailbox"], deliveries=[kw["delivery"]])[0])  # fmt: skip
    result = fetch(mailbox)
    assert (result.recorded, result.problem, mailbox.last_uid) == (3, "", 3)
    kept = InboundMail.objects.get(notes=[{"code": "unreadable"}])
    assert b"Subject: Mail 1" in bytes(kept.raw.content)
    assert kept.status == InboundMail.Status.TO_SORT
    assert InboundMail.objects.filter(subject__startswith="Mail ").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_it_fetches_over_tls_and_starttls_and_refuses_an_untrusted_certificate(
    alice: Any, dovecot: Any, settings: Any, security: str
) -> None:
    dovecot.add_user("alice", "imap-secret")
    dovecot.deliver("alice", mime(subject="Verschlüsselt"))
    mailbox = services.mailbox_save(
        owner=alice,
        data={"host": "127.0.0.1", "security": security, "username": "alice",
              "port": dovecot.tls_port if security == "tls" else dovecot.port,
              "folder": "INBOX", "is_active": True},
        password="imap-secret",
    )  # fmt: skip
    settings.INBOX_TLS_CA_FILE = ""
    assert fetch(mailbox).problem == Mailbox.Problem.TLS  # self-signed: not trusted
    settings.INBOX_TLS_CA_FILE = str(dovecot.certificate)
    assert fetch(mailbox).recorded == 1
    assert InboundMail.objects.get().subject == "Verschlüsselt"
