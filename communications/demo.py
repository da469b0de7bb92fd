"""Demo data for the communications app (see crm.demo).

The planners themselves write the realistic part (payment reminders, one per client and level;
delay notices for slipped milestones; keep-in-touch drafts; today's status updates), narrowed to
the demo user. Around that: a history of sent messages, one scheduled, one failed and one
uncertain message, a one-off draft, and calls and meetings on the timeline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from crm.demo import DemoContext
from timeline.models import Activity

from .dispatch import UNCERTAIN_REASON
from .models import (
    ClientCommunication,
    CommunicationSettings,
    Message,
    MessageTemplate,
    ReminderPause,
)
from .outbox import messages_insert
from .planners import messages_plan


def wipe(user: Any) -> None:
    """Delete the demo user's communications rows."""
    Activity.objects.filter(owner=user).delete()
    Message.objects.filter(owner=user).delete()  # reminder items cascade
    ReminderPause.objects.filter(owner=user).delete()
    ClientCommunication.objects.filter(owner=user).delete()
    MessageTemplate.objects.filter(owner=user).delete()
    CommunicationSettings.objects.filter(owner=user).delete()


def _message(client: Any, key: str, **fields: Any) -> Message:
    return Message(
        owner_id=client.owner_id, client=client, to=client.email, dedupe_key=key, **fields
    )


def seed(context: DemoContext) -> None:
    """Create realistic communications rows for the demo user (bulk; planners do the rest)."""
    clients = context.shared.get("clients") or []
    if not clients:
        return
    user, now, rng = context.user, context.now, context.rng
    CommunicationSettings.objects.create(owner=user)
    german = [c for c in clients if c.language == "de" and c.email][:40]
    english = [c for c in clients if c.language == "en" and c.email][:20]
    sample = german + english
    rows: list[Message] = []
    for index, client in enumerate(sample):
        rows += _history(client, now, rng)
        if index < len(EXAMPLES):
            rows.append(_example(client, index, now))
    messages_insert(rows)
    activities = [
        Activity(
            owner_id=user.pk,
            client=client,
            kind=rng.choice([Activity.Kind.CALL, Activity.Kind.MEETING]),
            occurred_at=now - datetime.timedelta(days=rng.randint(1, 30)),
            summary=(
                "Telefonat: Feedback zur Startseite"
                if client.language == "de"
                else "Call: feedback on the home page"
            ),
        )
        for client in sample[:30]
    ]
    Activity.objects.bulk_create(activities, batch_size=1000)
    planned = messages_plan(now=now, owner_ids=[user.pk])
    context.count("messages", Message.objects.filter(owner=user).count())
    context.count("planned messages", sum(planned.values()))
    context.count("activities", len(activities))


def _history(client: Any, now: datetime.datetime, rng: Any) -> list[Message]:
    """Return three weekly status updates sent to ``client`` over the last weeks."""
    german_client = client.language == "de"
    rows = []
    for weeks in (3, 2, 1):
        # Sent on a working day between 9 and 16 o'clock, as the planner would have done.
        day = timezone.localdate(now) - datetime.timedelta(weeks=weeks, days=rng.randint(0, 2))
        day -= datetime.timedelta(days=max(0, day.weekday() - 4))
        sent_at = datetime.datetime.combine(
            day,
            datetime.time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))),
            tzinfo=timezone.get_current_timezone(),
        )
        rows.append(
            _message(
                client,
                f"demo:status:{client.pk}:{weeks}",
                kind=Message.Kind.STATUS_UPDATE,
                subject=(
                    f"Projektstand vom {sent_at:%d.%m.%Y}"
                    if german_client
                    else f"Progress update, {sent_at:%d %b %Y}"
                ),
                body_text=f"{client.tone.greeting}\n\n"
                + (
                    "kurzer Stand: Konzept und Entwürfe sind abgestimmt, diese Woche folgt "
                    "die Umsetzung der Startseite."
                    if german_client
                    else "A short update: concept and drafts are agreed; this week I build "
                    "the home page."
                )
                + f"\n\n{client.tone.closing}\n",
                status=Message.Status.SENT,
                send_after=sent_at,
                sent_at=sent_at,
                attempts=1,
                message_id=f"<demo.{client.pk}.{weeks}@kundenpflege.crm>",
            )
        )
    return rows


# One example of each state the outbox page shows, for the first four demo clients:
# (state, German subject, English subject, fields; times as offsets from now).
EXAMPLES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    (
        "failed",
        "Unterlagen für den Relaunch",
        "Relaunch files",
        {
            "status": Message.Status.FAILED,
            "attempts": 5,
            "send_after": -datetime.timedelta(hours=3),
            "last_error": (
                "The mail server refused the message: (550, b'5.1.1 Mailbox unavailable')"
            ),
        },
    ),
    (
        "uncertain",
        "Termin nächste Woche",
        "Meeting next week",
        {
            "status": Message.Status.UNCERTAIN,
            "attempts": 1,
            "send_after": -datetime.timedelta(hours=1),
            "claimed_at": -datetime.timedelta(hours=1),
            "last_error": UNCERTAIN_REASON,
        },
    ),
    (
        "scheduled",
        "Ihr Zugang zur Vorschau",
        "Your preview login",
        {"status": Message.Status.SCHEDULED, "send_after": datetime.timedelta(days=1)},
    ),
    (
        "draft",
        "Kurze Rückfrage zu den Texten",
        "A quick question about the copy",
        {"status": Message.Status.DRAFT},
    ),
)


def _example(client: Any, index: int, now: datetime.datetime) -> Message:
    """Return the example message of ``EXAMPLES[index]`` to ``client``."""
    state, subject_de, subject_en, fields = EXAMPLES[index]
    german_client = client.language == "de"
    text = "…"
    if state == "draft":
        text = (
            "passt es Ihnen, wenn wir die Texte am Donnerstag kurz telefonisch durchgehen?"
            if german_client and client.tone.is_formal
            else "passt es dir, wenn wir die Texte am Donnerstag kurz durchgehen?"
            if german_client
            else "would Thursday work to go through the copy on a short call?"
        )
    return _message(
        client,
        f"demo:{state}:{client.pk}",
        kind=Message.Kind.ONE_OFF,
        subject=subject_de if german_client else subject_en,
        body_text=f"{client.tone.greeting}\n\n{text}\n\n{client.tone.closing}\n",
        **{
            name: now + value if isinstance(value, datetime.timedelta) else value
            for name, value in fields.items()
        },
    )
