"""Demo data for the clients app: German and English clients in both forms of address."""

from __future__ import annotations

import datetime
from typing import Any

from crm.demo import DemoContext
from timeline.models import Activity

from .models import Client, Contact, Note, Tag

GERMAN_PEOPLE = [
    ("Frau Dr.", "Weber", "Sabine"),
    ("Herr", "Schneider", "Thomas"),
    ("Frau", "Fischer", "Anna"),
    ("Herr", "Becker", "Jonas"),
    ("Frau", "Hoffmann", "Lea"),
    ("Herr Prof.", "Wagner", "Markus"),
    ("Frau", "Schäfer", "Jülide"),
    ("Herr", "Koch", "Björn"),
]
ENGLISH_PEOPLE = [
    ("Ms", "Turner", "Emily"),
    ("Mr", "Patel", "Raj"),
    ("Dr.", "O'Brien", "Siobhan"),
    ("Mr", "Walker", "James"),
]
GERMAN_COMPANIES = [
    "Bäckerei Sonnenschein",
    "Müller & Söhne GmbH",
    "Kanzlei Weber",
    "Gärtnerei Grünblick",
    "Stadtwerke Kleinstadt",
    "Café Kranich",
    "Architekturbüro Lichtraum",
    "Yoga-Studio Atemzug",
]
ENGLISH_COMPANIES = [
    "Brightside Media Ltd",
    "Northwind Traders",
    "Harbour Lane Books",
    "Greenleaf Consulting",
]
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e"})
CITIES = [("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln")]
TAGS = ["Agentur", "Stammkunde", "Retainer", "Non-Profit", "Empfehlung", "Print"]
NOTES = [
    (Note.Kind.NO_GO, "Niemals vor 10 Uhr anrufen – morgens sind Kundentermine."),
    (Note.Kind.NO_GO, "Keine Stockfotos mit Menschen verwenden."),
    (Note.Kind.WISH, "Wünscht sich kurze, wöchentliche Updates per E-Mail, freitags."),
    (Note.Kind.DIRECTION, "Markenfarbe ist Dunkelgrün; Logo nie verzerren."),
    (
        Note.Kind.CONTEXT,
        "Hat die Firma 2019 vom Vater übernommen; Entscheidungen trifft sie allein.",
    ),
    (Note.Kind.CALL, "Telefonat zur Freigabe der Startseite: zufrieden, kleine Textänderungen."),
    (Note.Kind.MEETING, "Workshop vor Ort: Zielgruppe und Tonalität festgelegt."),
    (Note.Kind.WISH, "Wünscht eine gesammelte Feedbackrunde statt vieler kleiner."),
    (Note.Kind.INCIDENT, "Am Telefon laut geworden wegen der Rechnung; danach geklärt."),
]
NOTES_EN = [
    (Note.Kind.NO_GO, "Never send invoices to the general inbox – only to accounts@."),
    (Note.Kind.NO_GO, "No calls on Fridays."),
    (Note.Kind.WISH, "Prefers one consolidated feedback round instead of many small ones."),
    (Note.Kind.DIRECTION, "Plain British English; no exclamation marks."),
    (Note.Kind.CONTEXT, "Board meets monthly; decisions above £5k wait for it."),
    (Note.Kind.CALL, "Call about the brochure: happy, wants a second colour option."),
    (Note.Kind.MEETING, "Kick-off meeting: agreed scope and the two milestones."),
    (Note.Kind.INCIDENT, "Shouted at me on a call about the invoice; settled afterwards."),
]


def wipe(user: Any) -> None:
    """Delete the demo user's clients, notes, contacts and tags."""
    Client.objects.filter(owner=user).delete()
    Tag.objects.filter(owner=user).delete()


def seed(context: DemoContext) -> None:
    """Create clients with contacts, tags, notes and their timeline entries (bulk inserts)."""
    rng = context.rng
    user = context.user
    tags = Tag.objects.bulk_create([Tag(owner=user, name=name) for name in TAGS])
    clients: list[Client] = []
    for index in range(context.clients):
        clients.append(_client(index, user, rng))
    Client.objects.bulk_create(clients, batch_size=1000)
    tag_links = [
        Client.tags.through(client_id=client.pk, tag_id=tag.pk)
        for client in clients
        for tag in rng.sample(tags, k=rng.randint(0, 2))
    ]
    Client.tags.through.objects.bulk_create(tag_links, batch_size=2000)
    contacts = [
        Contact(
            client=client,
            name=client.name if client.kind == Client.Kind.PERSON else "Projektleitung",
            role="Geschäftsführung" if client.language == "de" else "Director",
            email=client.email,
            phone=client.phone,
            is_primary=True,
        )
        for client in clients
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)
    notes = _notes(clients, rng, context.today)
    Note.objects.bulk_create(notes, batch_size=2000)
    Activity.objects.bulk_create(
        [
            Activity(
                owner=user,
                client=note.client,
                kind=Activity.Kind.NOTE,
                occurred_at=datetime.datetime.combine(
                    note.noted_on, datetime.time(10), tzinfo=context.now.tzinfo
                ),
                summary=f"{note.get_kind_display()}: {note.body}"[:300],
                detail=note.body,
                note=note,
            )
            for note in notes
        ],
        batch_size=2000,
    )
    context.shared["clients"] = clients
    context.count("clients", len(clients))
    context.count("notes", len(notes))
    context.shared["notes"] = notes


def _notes(clients: list[Client], rng: Any, today: datetime.date) -> list[Note]:
    """Return one to three notes a client (unsaved), in the client's language."""
    notes = []
    kinds = list(Note.Kind)
    for index, client in enumerate(clients):
        pool = NOTES if client.language == Client.Language.GERMAN else NOTES_EN
        chosen = rng.sample(pool, k=rng.randint(1, 3))
        if index < len(kinds):
            # The first clients carry one note of every kind, so the demo shows them all.
            chosen.insert(0, next(note for note in pool if note[0] == kinds[index]))
        for offset, (kind, body) in enumerate(chosen):
            notes.append(
                Note(
                    client=client,
                    kind=kind,
                    body=body,
                    # An incident is always pinned, as clients.services.note_create does.
                    is_pinned=kind == Note.Kind.INCIDENT
                    or (offset == 0 and kind != Note.Kind.NO_GO and rng.random() < 0.4),
                    noted_on=today - datetime.timedelta(days=rng.randint(0, 400)),
                )
            )
    return notes


def _client(index: int, user: Any, rng: Any) -> Client:
    german = index % 3 != 2
    person = index % 2 == 0
    informal = index % 4 in (1, 2)
    postal_code, city = CITIES[index % len(CITIES)]
    suffix = f" {index // 12 + 1}" if index >= 12 else ""
    if person:
        title, last, first = (GERMAN_PEOPLE if german else ENGLISH_PEOPLE)[
            index // 2 % (len(GERMAN_PEOPLE) if german else len(ENGLISH_PEOPLE))
        ]
        name = f"{first} {last}{suffix}"
        salutation = first if informal else f"{title} {last}"
        kind = Client.Kind.PERSON
    else:
        companies = GERMAN_COMPANIES if german else ENGLISH_COMPANIES
        name = companies[index // 2 % len(companies)] + suffix
        title, last, first = (GERMAN_PEOPLE if german else ENGLISH_PEOPLE)[index % 4]
        salutation = first if informal else f"{title} {last}"
        kind = Client.Kind.COMPANY
    ascii_name = name.lower().translate(UMLAUTS)
    slug = "".join(ch for ch in ascii_name if ch.isascii() and ch.isalnum())[:20]
    return Client(
        owner=user,
        kind=kind,
        name=name,
        email=f"{slug}{index}@example.com",
        phone=f"+49 30 {rng.randint(1000000, 9999999)}",
        street=f"{rng.choice(['Hauptstraße', 'Gartenweg', 'Lindenallee', 'High Street'])} "
        f"{rng.randint(1, 120)}",
        postal_code=postal_code,
        city=city,
        country="DE" if german else "GB",
        language=Client.Language.GERMAN if german else Client.Language.ENGLISH,
        form_of_address=(
            Client.FormOfAddress.INFORMAL if informal else Client.FormOfAddress.FORMAL
        ),
        salutation=salutation,
        status=rng.choice(
            [Client.Status.ACTIVE] * 5
            + [Client.Status.LEAD, Client.Status.PAST, Client.Status.PAUSED]
        ),
        relationship=rng.choice(
            [Client.Relationship.NEW, Client.Relationship.REGULAR, Client.Relationship.LOYAL]
        ),
        payment_terms_days=rng.choice([7, 14, 14, 30]),
    )
