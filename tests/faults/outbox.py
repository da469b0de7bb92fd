"""The data every fault test sends, and the one check of the outbox against the SMTP sink.

``outbox_fill`` gives a freelancer (no quiet hours, no minimum gap) clients and a block of
scheduled messages with numbered subjects; ``outbox_outcome`` compares the outbox rows with what
the sink received and returns the counts the tests assert and report.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.harness import Received

SUBJECT_PREFIX = "Fault test"


def outbox_fill(
    *,
    user: Any,
    messages: int,
    first_at: datetime.datetime,
    spread: datetime.timedelta = datetime.timedelta(0),
    clients: int = 5,
    tag: str = "",
) -> list[int]:
    """Create ``messages`` scheduled messages to a few clients of ``user``; return their ids.

    Send times are spread evenly from ``first_at`` over ``spread``, so some fall due before,
    some during and some after a fault. Each subject is unique: the sink is checked by it.
    """
    from clients.tests.factories import ClientFactory
    from communications.models import CommunicationSettings, Message

    CommunicationSettings.objects.update_or_create(
        owner=user,
        defaults={
            "quiet_from": datetime.time(0, 0),
            "quiet_until": datetime.time(0, 0),
            "send_on_weekends": True,
            "min_gap_days": 0,
        },
    )
    people = [
        ClientFactory(owner=user, name=f"Kunde {tag}{n}", email=f"kunde{n}@faults.example")
        for n in range(clients)
    ]
    step = spread / max(messages - 1, 1)
    rows = [
        Message(
            owner=user,
            client=people[n % clients],
            kind=Message.Kind.ONE_OFF,
            dedupe_key=f"faults:{tag}{n}",
            to=people[n % clients].email,
            subject=f"{SUBJECT_PREFIX} {tag}#{n:04d}",
            body_text=f"Hallo,\n\nNachricht {n}.\n",
            status=Message.Status.SCHEDULED,
            send_after=first_at + step * n,
        )
        for n in range(messages)
    ]
    return [message.pk for message in Message.objects.bulk_create(rows, batch_size=500)]


@dataclass
class Row:
    """What the check needs of one outbox row."""

    pk: int
    status: str
    subject: str
    message_id: str


@dataclass
class Outcome:
    """The outbox compared with the sink after a fault. The guarantees hold when ``ok``."""

    messages: int = 0
    sent: int = 0
    uncertain: int = 0
    uncertain_received: int = 0
    uncertain_not_received: int = 0
    failed: int = 0
    failed_received: int = 0
    received: int = 0
    duplicates: int = 0
    sent_not_received: int = 0
    received_unknown: int = 0
    other_states: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """At most once, and nothing lost: every row sent (and received), uncertain or failed."""
        return not (
            self.duplicates
            or self.sent_not_received
            or self.received_unknown
            or self.failed_received
            or self.other_states
        )

    def counts(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """Return the counts as one ``key=value`` line for the report."""
        return (
            f"messages={self.messages} delivered={self.sent} uncertain={self.uncertain} "
            f"(received {self.uncertain_received}, not {self.uncertain_not_received}) "
            f"failed={self.failed} received={self.received} duplicates={self.duplicates} "
            f"lost={self.sent_not_received}"
            + (f" other={self.other_states}" if self.other_states else "")
        )


def outbox_outcome(rows: Sequence[Row], received: Iterable[Received]) -> Outcome:
    """Compare the outbox ``rows`` with the mail the sink ``received`` (matched by subject)."""
    received = [mail for mail in received if mail.subject.startswith(SUBJECT_PREFIX)]
    by_subject = Counter(mail.subject for mail in received)
    ids_received = {mail.message_id for mail in received}
    outcome = Outcome(messages=len(rows), received=len(received))
    outcome.duplicates = sum(count - 1 for count in by_subject.values() if count > 1)
    states: Counter[str] = Counter()
    for row in rows:
        arrived = by_subject.get(row.subject, 0) > 0
        if row.status == "sent":
            outcome.sent += 1
            if not arrived or row.message_id not in ids_received:
                outcome.sent_not_received += 1
        elif row.status == "uncertain":
            outcome.uncertain += 1
            if arrived:
                outcome.uncertain_received += 1
            else:
                outcome.uncertain_not_received += 1
        elif row.status == "failed":
            outcome.failed += 1
            outcome.failed_received += arrived
        else:
            states[row.status] += 1
    outcome.other_states = dict(states)
    subjects = {row.subject for row in rows}
    outcome.received_unknown = sum(1 for subject in by_subject if subject not in subjects)
    return outcome


def rows_from_orm(ids: Iterable[int] | None = None) -> list[Row]:
    """Read the outbox of the test database (the Django connection of this process)."""
    from communications.models import Message

    query = Message.objects.filter(subject__startswith=SUBJECT_PREFIX)
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    return [
        Row(pk, status, subject, message_id)
        for pk, status, subject, message_id in query.values_list(
            "pk", "status", "subject", "message_id"
        )
    ]


def rows_from_url(database_url: str) -> list[Row]:
    """Read the outbox of another database (a private cluster) with plain SQL."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        found = connection.execute(
            "SELECT id, status, subject, message_id FROM communications_message "
            "WHERE subject LIKE %s",
            [SUBJECT_PREFIX + "%"],
        ).fetchall()
    return [Row(*row) for row in found]
