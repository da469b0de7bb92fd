"""factory_boy factories for clients, contacts, notes and tags (other apps may reuse them)."""

from __future__ import annotations

import datetime

import factory

from clients.models import Client, Contact, Note, Tag


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Acme {n} GmbH")
    email = factory.Sequence(lambda n: f"info{n}@acme.example")
    phone = "+49 30 1234567"
    street = "Hauptstraße 5"
    postal_code = "10115"
    city = "Berlin"
    country = "DE"
    salutation = "Frau Dr. Weber"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    role = "Marketing"
    email = factory.Sequence(lambda n: f"person{n}@acme.example")
    is_primary = True


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    client = factory.SubFactory(ClientFactory)
    kind = Note.Kind.CONTEXT
    body = factory.Sequence(lambda n: f"Note {n}")
    noted_on = factory.LazyFunction(lambda: datetime.date(2026, 11, 1))
