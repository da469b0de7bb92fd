"""Benchmark: fetch 1,000 new mails from a loopback Dovecot and record them (target < 20 s).

Standalone: ``DATABASE_URL=... .venv/bin/python benchmarks/bench_inbox.py``. Starts a private
Dovecot (tests/harness.py), delivers 1,000 real MIME files into its maildir (a third answer
messages of the outbox by In-Reply-To, a third come from clients' addresses, a sixth from
strangers, a sixth are auto-replies; every tenth has a 40 KB attachment), then times
``inbox.fetching.mailbox_fetch`` until the folder is read: IMAP, parsing, reply stripping,
matching, timeline entries and holds, all in the database named by DATABASE_URL. Three runs,
each on a fresh mailbox; prints a markdown section and writes benchmarks/results/inbox.md.
"""

from __future__ import annotations

import datetime
import email.message
import email.utils
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients.models import Client  # noqa: E402
from communications.models import Message  # noqa: E402
from crm.models import Profile, User  # noqa: E402
from inbox import demo as inbox_demo  # noqa: E402
from inbox.fetching import mailbox_fetch  # noqa: E402
from inbox.models import InboundMail, Mailbox  # noqa: E402
from inbox.services import mailbox_save  # noqa: E402
from tests.harness import DovecotServer  # noqa: E402
from timeline.models import Activity  # noqa: E402

MAILS = 1000
CLIENTS = 200
RUNS = 3
TARGET_S = 20
USERNAME = "bench-inbox"


def prepare_user() -> tuple[User, list[Client], list[str]]:
    """Create the freelancer with clients and one sent message each (to be answered)."""
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "bench-inbox@example.com"}
        )
        Profile.objects.get_or_create(user=user, defaults={"language": "de"})
        inbox_demo.wipe(user)
        Activity.objects.filter(owner=user).delete()
        Message.objects.filter(owner=user).delete()
        Client.objects.filter(owner=user).delete()
        clients = Client.objects.bulk_create(
            [
                Client(owner=user, name=f"Kunde {n}", email=f"info@kunde{n}.example")
                for n in range(CLIENTS)
            ]
        )
        message_ids = [f"<bench.{client.pk}@kundenpflege.crm>" for client in clients]
        Message.objects.bulk_create(
            [
                Message(
                    owner=user,
                    client=client,
                    kind=Message.Kind.STATUS_UPDATE,
                    dedupe_key=f"bench:{client.pk}",
                    to=client.email,
                    subject="Projektstand",
                    body_text="…",
                    status=Message.Status.SENT,
                    message_id=message_id,
                )
                for client, message_id in zip(clients, message_ids, strict=True)
            ]
            # Every fourth client has a payment reminder waiting: their replies hold it.
            + [
                Message(
                    owner=user,
                    client=client,
                    kind=Message.Kind.REMINDER_1,
                    dedupe_key=f"bench:reminder:{client.pk}",
                    to=client.email,
                    subject="Erinnerung",
                    body_text="…",
                    status=Message.Status.SCHEDULED,
                    send_after=timezone.now() + datetime.timedelta(days=1),
                )
                for client in clients[::4]
            ]
        )
    return user, clients, message_ids


def mail(number: int, clients: list[Client], message_ids: list[str], rng: random.Random) -> bytes:
    kind = number % 6
    index = rng.randrange(len(clients))
    message = email.message.EmailMessage()
    message["To"] = "bench-inbox@example.com"
    message["Date"] = email.utils.format_datetime(datetime.datetime.now(tz=datetime.UTC))
    message["Message-ID"] = f"<mail.{number}.{rng.random()}@bench.example>"
    text = (
        f"Hallo Frau Lindner,\n\ndanke für den Stand, Nummer {number}. Passt alles.\n\n"
        "Viele Grüße\nAnna\n\nAm 12.11.2026 um 10:00 schrieb Mara Lindner:\n"
        + "> Zitierte Zeile aus dem letzten Projektstand.\n"
        * 30
    )
    if kind in (0, 1):  # answers an outbox message
        message["From"] = f"Anna <anna{number}@privat.example>"
        message["Subject"] = "AW: Projektstand"
        message["In-Reply-To"] = message_ids[index]
        message["References"] = message_ids[index]
    elif kind in (2, 3):  # from a client's address
        message["From"] = clients[index].email
        message["Subject"] = f"Frage {number}"
    elif kind == 4:  # a stranger
        message["From"] = f"someone{number}@elsewhere.example"
        message["Subject"] = f"Anfrage {number}"
    else:  # an out-of-office answer
        message["From"] = clients[index].email
        message["Subject"] = "Abwesenheitsnotiz: Projektstand"
        message["Auto-Submitted"] = "auto-replied"
        text = "Ich bin bis 12.01. nicht im Büro."
    message.set_content(text)
    if number % 10 == 0:
        message.add_attachment(
            rng.randbytes(40_000), maintype="application", subtype="pdf", filename="plan.pdf"
        )
    return message.as_bytes()


def run_once(dovecot: DovecotServer, run: int) -> dict[str, float]:
    user, clients, message_ids = prepare_user()
    login = f"bench{run}"
    password = "bench-pass-" + str(run)
    dovecot.add_user(login, password)
    mailbox = mailbox_save(
        owner=user,
        data={"host": "127.0.0.1", "port": dovecot.port, "security": "plain",
              "username": login, "folder": "INBOX", "is_active": True},
        password=password,
    )  # fmt: skip
    rng = random.Random(2026 + run)
    raw_bytes = 0
    for number in range(MAILS):
        raw = mail(number, clients, message_ids, rng)
        raw_bytes += len(raw)
        dovecot.deliver(login, raw)
    started = time.perf_counter()
    runs = 0
    with CaptureQueriesContext(connection) as queries:
        while True:
            runs += 1
            result = mailbox_fetch(mailbox_id=mailbox.pk, limit=MAILS)
            if not result.more:
                break
    elapsed = time.perf_counter() - started
    again = time.perf_counter()
    mailbox_fetch(mailbox_id=mailbox.pk)
    idle = time.perf_counter() - again
    recorded = InboundMail.objects.filter(mailbox=mailbox).count()
    assert recorded == MAILS, recorded
    assert Mailbox.objects.get(pk=mailbox.pk).last_error_code == ""
    return {
        "seconds": elapsed,
        "queries": len(queries),
        "runs": runs,
        "idle": idle,
        "megabytes": raw_bytes / 1024 / 1024,
        "matched": InboundMail.objects.filter(mailbox=mailbox, status="matched").count(),
        "held": Message.objects.filter(owner=user, status=Message.Status.HELD).count(),
    }


def main() -> int:
    load_before = os.getloadavg()[0]
    dovecot = DovecotServer.create()
    dovecot.start()
    try:
        results = [run_once(dovecot, run) for run in range(RUNS)]
    finally:
        dovecot.destroy()
    load_after = os.getloadavg()[0]
    seconds = [result["seconds"] for result in results]
    median = statistics.median(seconds)
    first = results[0]
    ok = median < TARGET_S
    table = "\n".join(
        [
            "## Inbox: fetching 1,000 new mails (IMAP)",
            "",
            f"{MAILS} new mails ({first['megabytes']:.1f} MB of MIME: a third answer outbox "
            "messages by In-Reply-To, a third come from clients' addresses, a sixth from "
            "strangers, a sixth are auto-replies; every tenth carries a 40 KB attachment) in a "
            "private Dovecot on loopback, read by `inbox.fetching.mailbox_fetch` in "
            f"{first['runs']} run(s): download, parse, strip quotes, match, record the mail, "
            f"its files and the timeline entry, move the cursor ({connection.vendor}). "
            f"{RUNS} runs, each on a fresh mailbox; load average {load_before:.1f} before, "
            f"{load_after:.1f} after, on {os.cpu_count()} cores shared with other work.",
            "",
            f"| | median | runs | < {TARGET_S} s |",
            "|---|---:|---|:---:|",
            f"| 1,000 new mails | {median:.1f} s ({MAILS / median:.0f} mails/s) | "
            + ", ".join(f"{s:.1f} s" for s in seconds)
            + f" | {'yes' if ok else 'NO'} |",
            f"| SQL queries | {first['queries']} ({first['queries'] / MAILS:.1f} per mail) | | |",
            f"| A run with nothing new | {statistics.median(r['idle'] for r in results) * 1000:.0f}"
            " ms | | |",
            f"| Matched to a client | {first['matched']} of {MAILS} | | |",
            f"| Payment reminders held by a reply | {first['held']} of {CLIENTS // 4} | | |",
        ]
    )
    print(table)
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "inbox.md").write_text(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
