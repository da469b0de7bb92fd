"""Erasure that erases: a client seeded through every path, erased, then searched for in every
text column of the database. What remains is only in the documents the law keeps.

The issue found, after an erasure: change request titles and descriptions (with a phone number
the client typed), reply subjects and bodies ("Sehr geehrte Frau ..."), scope items created from
a change, project title and description, the reminder pause reason, the portal acceptance's
name and IP, and audit entries of the project and change request.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from banking.models import KnownAccount
from clients.csv_io import COLUMNS
from clients.import_fields import mapping_detect
from clients.import_files import table_read
from clients.import_rows import import_commit
from clients.models import Client
from communications.models import ReminderPause
from communications.planners.reminder_upkeep import reminder_pause
from communications.services import message_compose
from inbox.models import Blob, InboundMail
from inbox.services import Delivery, mail_record, mailbox_save
from inbox.tests.conftest import mime
from portal.models import PortalLink
from portal.views import portal_change_request_create, portal_offer_accept
from privacy.erasure import client_erase
from privacy.exports import client_export_zip
from privacy.registry import ERASED, KEPT_BY_LAW, classification, text_fields
from projects.models import (
    ChangeRequest,
    Invoice,
    InvoiceLine,
    Milestone,
    Offer,
    OfferLine,
    Project,
)
from projects.services.change_requests import change_request_accept, change_request_decline
from projects.services.invoices import invoice_create, invoice_issue
from projects.services.offers import offer_create, offer_send
from projects.services.payments import invoice_record_payment
from projects.services.project import project_update
from timetracking.models import TimeEntry
from timetracking.services import entry_create

pytestmark = pytest.mark.django_db

NAME = "Zora Quastenberg"
EMAIL = "zora.quastenberg@beispiel.example"
PHONE = "+49 30 98765432"
STREET = "Lindwurmgasse 77"
CITY = "Quedlinburg"
NEEDLES = {"name": NAME, "email": EMAIL, "phone": PHONE, "address": STREET}
PORTAL_IP = "203.0.113.77"


def csv_bytes() -> bytes:
    values = {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "street": STREET,
        "postal_code": "06484",
        "city": CITY,
        "salutation": "Frau Quastenberg",
        "tags": "Stammkundin",
        "contact_name": NAME,
        "contact_email": EMAIL,
        "contact_phone": PHONE,
    }
    header = ";".join(COLUMNS)
    row = ";".join(values.get(column, "") for column in COLUMNS)
    return f"{header}\n{row}\n".encode()


def seed(alice: Any, alice_client: Any) -> dict[str, Any]:
    """Create the client and her data through the paths real use takes."""
    table = table_read(raw=csv_bytes(), filename="clients.csv")
    detection = mapping_detect(user=alice, table=table)
    assert import_commit(user=alice, table=table, mapping=detection.mapping).created == 1
    client = Client.objects.owned_by(alice).get(email=EMAIL)

    # A note through the client page.
    response = alice_client.post(
        reverse("clients:note_add", args=[client.pk]),
        {"kind": "call", "noted_on": "2026-11-20", "body": f"{NAME} ruft unter {PHONE} an."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 302)

    # A project named after her, edited (audit entry with old and new values).
    project = Project.objects.create(
        owner=alice,
        client=client,
        title=f"Website für {NAME}",
        description=f"Ansprechpartnerin {NAME}, {STREET}, {CITY}",
        status=Project.Status.ACTIVE,
        fixed_price=Decimal("1000.00"),
    )
    project.title = f"Neue Website für {NAME}"
    project_update(project=project, actor=alice)
    Milestone.objects.create(
        project=project,
        title=f"Abnahme bei {NAME}",
        due_on=timezone.localdate(),
        delay_reason=f"{NAME} ist bis Freitag unter {PHONE} erreichbar",
    )

    # An offer sent (kept by law), accepted in the portal with her typed name and IP.
    offer = offer_create(project=project, actor=alice)
    OfferLine.objects.create(
        offer=offer, description="Gestaltung", quantity=1, unit_price=Decimal("1000.00")
    )
    offer = offer_send(offer=offer, actor=alice)
    link = PortalLink.objects.create(owner=alice, project=project)
    result = portal_offer_accept(
        link=link,
        offer_id=offer.pk,
        version=offer.version,
        name=NAME,
        ip=PORTAL_IP,
        now=timezone.now(),
    )
    offer.refresh_from_db()
    assert offer.accepted_by_name == NAME, result

    # Change requests through the portal, accepted (scope item) and declined (reply).
    first = portal_change_request_create(
        link=link,
        title=f"Blog für {NAME}",
        description=f"Bitte rufen Sie mich an: {PHONE}. Gruß, {NAME}",
        now=timezone.now(),
    )
    change_request_accept(
        change_request=first, price=Decimal("200.00"), deadline_impact_days=3,
        amend_offer=False, actor=alice,
    )  # fmt: skip
    second = portal_change_request_create(
        link=link,
        title=f"Shop für {NAME}",
        description=f"Lieferung an {STREET}",
        now=timezone.now(),
    )
    change_request_decline(
        change_request=second, alternative=f"Ein Katalog für {NAME}", actor=alice
    )
    assert ChangeRequest.objects.filter(project=project).exclude(reply_body="").exists()

    # An invoice issued (kept by law) with a payment whose note names her.
    invoice = invoice_create(project=project, actor=alice, offer=offer)
    if not invoice.lines.exists():
        InvoiceLine.objects.create(
            invoice=invoice, description="Gestaltung", quantity=1, unit_price=Decimal("1000.00")
        )
    invoice = invoice_issue(invoice=invoice, actor=alice)
    invoice_record_payment(
        invoice=invoice, amount=Decimal("100.00"), paid_on=timezone.localdate(),
        note=f"Überweisung {NAME}",
    )  # fmt: skip

    # A reminder pause with a reason that names her; a message in her tone.
    reminder_pause(client=client, reason=f"{NAME} im Krankenhaus, Tel. {PHONE}")
    reminder_pause(invoice=invoice, reason=f"{NAME} zahlt in Raten")
    message_compose(
        kind="one_off",
        client=client,
        dedupe_key="one-off:erasure-test",
        body=f"Liebe {NAME}, wie besprochen an {STREET}.",
        subject=f"Für {NAME}",
    )

    # A reply from her, received by the inbox (raw message and attachment stored), a time
    # entry that describes her call, and her bank account, learned from a payment.
    raw = mime(
        sender=f"{NAME} <{EMAIL}>",
        to="alice@example.com",
        subject=f"Rückruf {NAME}",
        text=f"Erreichbar unter {PHONE}, {STREET}.",
        attachments=[("anschrift.txt", f"{NAME}, {STREET}".encode(), "text/plain")],
    )
    mailbox = mailbox_save(
        owner=alice,
        data={"host": "imap.example.com", "port": 993, "security": "tls", "username": "alice",
              "folder": "INBOX", "is_active": True},
        password="pw",
    )  # fmt: skip
    mail, _created = mail_record(mailbox=mailbox, delivery=Delivery(raw=raw))
    assert mail.client_id == client.pk
    entry_create(
        entry=TimeEntry(
            project=project, work_on=timezone.localdate(), seconds=1800,
            description=f"Telefonat mit {NAME} ({PHONE})",
        ),
        actor=alice,
    )  # fmt: skip
    KnownAccount.objects.create(owner=alice, client=client, iban="DE02120300000000202051",
                                name=NAME)  # fmt: skip
    return {"client": client, "project": project, "offer": offer, "invoice": invoice}


def text_columns() -> list[tuple[str, str]]:
    """Return (table, column) of every text-like column of the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'inet')"
        )
        return sorted(cursor.fetchall())


def find(needle: str) -> set[tuple[str, str, str]]:
    """Return (table, column, primary key) of every row holding ``needle`` anywhere."""
    hits = set()
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(
                f'SELECT * FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                [f"%{needle}%"],
            )
            for row in cursor.fetchall():
                hits.add((table, column, str(row[0])))
    return hits


def kept_by_law_columns() -> set[tuple[str, str]]:
    """Return (table, column) of the fields classified "kept by law"."""
    kept = set()
    for app_label, models in classification().items():
        for model_name, fields in models.items():
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            for field_name, kind in fields.items():
                if kind == KEPT_BY_LAW:
                    kept.add((model._meta.db_table, model._meta.get_field(field_name).column))
    return kept


@pytest.mark.postgres
def test_it_leaves_the_client_only_in_the_documents_the_law_keeps(
    alice: Any, alice_client: Any, bob: Any
) -> None:
    seeded = seed(alice, alice_client)
    # Bob has a client of the same name: erasing alice's must not touch his.
    bobs = Client.objects.create(owner=bob, name=NAME, email=EMAIL)
    before = {label: find(needle) for label, needle in NEEDLES.items()}
    assert len({table for hits in before.values() for table, _c, _pk in hits}) >= 10, before

    report = client_erase(client=seeded["client"], actor=alice)

    assert report.kept_invoices == 1
    assert report.kept_offers >= 1
    kept_columns = kept_by_law_columns()
    kept_offers = Offer.objects.filter(project__client=seeded["client"])
    kept_rows = {
        Offer._meta.db_table: {str(pk) for pk in kept_offers.values_list("pk", flat=True)},
        Invoice._meta.db_table: {str(seeded["invoice"].pk)},
    }
    leftovers = {}
    for label, needle in NEEDLES.items():
        hits = {
            hit
            for hit in find(needle)
            if not (hit[0] == Client._meta.db_table and hit[2] == str(bobs.pk))
        }
        outside = {
            (table, column, pk) for table, column, pk in hits if (table, column) not in kept_columns
        }
        if outside:
            leftovers[label] = sorted(outside)
        for table, _column, pk in hits - outside:
            if table in kept_rows:
                assert pk in kept_rows[table], (label, table, pk)
    assert leftovers == {}
    # The invoice and the offer still carry her name and address, as the law requires.
    invoice = Invoice.objects.get(pk=seeded["invoice"].pk)
    assert NAME in str(invoice.snapshot)
    offer = Offer.objects.get(pk=seeded["offer"].pk)
    assert offer.accepted_at is not None
    assert offer.accepted_by_name == ""
    assert offer.accepted_ip is None
    assert not find(PORTAL_IP)
    assert not ReminderPause.objects.filter(owner=alice).exists()
    assert not InboundMail.objects.filter(owner=alice).exists()
    assert not Blob.objects.filter(owner=alice).exists()
    assert not KnownAccount.objects.filter(owner=alice).exists()
    assert TimeEntry.objects.get(project=seeded["project"]).seconds == 1800
    # Bob's client of the same name is untouched.
    bobs.refresh_from_db()
    assert (bobs.name, bobs.email) == (NAME, EMAIL)
    # Every field the search found before is one the registry calls erased or kept by law.
    declared = classification()
    for hits in before.values():
        for table, column, _pk in hits:
            model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
            if model is None:
                continue
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            kind = declared[model._meta.app_label][model._meta.object_name][field.name]
            assert kind in {ERASED, KEPT_BY_LAW}, (table, column, kind)


def unclassified(declared: dict[str, Any]) -> list[str]:
    """Return "app.Model.field" for every text field of every model missing from ``declared``."""
    missing = []
    for model in apps.get_models():
        meta = model._meta
        fields = declared.get(meta.app_label, {}).get(meta.object_name, {})
        missing += [f"{meta.label}.{f.name}" for f in text_fields(model) if f.name not in fields]
    return missing


def test_it_has_every_text_field_of_every_model_classified() -> None:
    """A new text, char, e-mail, URL, JSON or IP field must say what erasure does with it."""
    missing = unclassified(classification())
    assert missing == [], (
        "Classify these fields in <app>/personal_data.py as 'erased', 'kept by law' or "
        f"'not personal' (see docs/privacy.md): {missing}"
    )


def test_it_classifies_only_real_fields_with_known_classes() -> None:
    from privacy.registry import CLASSES

    stale = []
    for app_label, models in classification().items():
        for model_name, fields in models.items():
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                stale.append(f"{app_label}.{model_name}")
                continue
            names = {f.name for f in model._meta.concrete_fields}
            for field_name, kind in fields.items():
                if field_name not in names or kind not in CLASSES:
                    stale.append(f"{app_label}.{model_name}.{field_name}={kind}")
    assert stale == []


def test_it_fails_on_an_unclassified_field() -> None:
    """The walker is no formality: a field missing from the registry is reported."""
    real = classification()
    assert unclassified({**real, "clients": {**real["clients"], "Note": {}}}) == [
        "clients.Note.body",
        "clients.Note.agreed",
    ]


def test_it_erases_twice_without_changing_anything(alice: Any, alice_client: Any) -> None:
    seeded = seed(alice, alice_client)
    client_erase(client=seeded["client"], actor=alice)
    snapshot = find("Gelöschter Kunde")
    again = client_erase(client=seeded["client"], actor=alice)
    assert again.already_erased
    assert find("Gelöschter Kunde") == snapshot


def test_it_exports_what_it_erases(alice: Any, alice_client: Any) -> None:
    """Art. 15 shows her what Art. 17 deletes: received mails, time notes, bank accounts."""
    seeded = seed(alice, alice_client)
    archive = zipfile.ZipFile(io.BytesIO(client_export_zip(client=seeded["client"], actor=alice)))
    assert PHONE in archive.read("received_mails.json").decode()
    assert "anschrift.txt" in archive.read("received_attachments.json").decode()
    assert PHONE in archive.read("time_entries.json").decode()
    assert "DE02120300000000202051" in archive.read("known_bank_accounts.json").decode()
