"""Privacy: client export and erasure, account export, calendar token page."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from clients.models import Client, Contact, Note
from communications.models import Message
from crm.models import AuditEntry
from crm.testing import assert_login_required, assert_owner_only
from portal.models import PortalLink
from privacy.erasure import ClientErasedError, client_erase
from privacy.exports import client_export_zip
from projects.models import Invoice, Offer
from tests.factories import make_everything, make_invoice, make_offer
from timeline.models import Activity


@pytest.fixture
def rows(alice: Any) -> dict[str, Any]:
    return make_everything(alice)


def names_in(content: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(content)).namelist())


def read_json(content: bytes, name: str) -> list[dict[str, Any]]:
    return json.loads(zipfile.ZipFile(io.BytesIO(content)).read(name))


def test_it_shows_the_privacy_page_only_to_the_owner(alice: Any, bob: Any, rows: Any) -> None:
    url = reverse("privacy:client", args=[rows["client"].pk])
    response = assert_owner_only(url, owner=alice, other=bob)
    assert b"Erase this client" in response.content


def test_it_exports_everything_about_a_client(
    alice: Any, bob: Any, rows: Any, monkeypatch: Any
) -> None:
    from projects import documents

    monkeypatch.setattr(documents, "offer_pdf", lambda offer: b"%PDF-offer")
    monkeypatch.setattr(documents, "invoice_pdf", lambda invoice: b"%PDF-invoice")
    url = reverse("privacy:client_export", args=[rows["client"].pk])
    response = assert_owner_only(url, owner=alice, other=bob, method="post")
    assert response["Content-Type"] == "application/zip"
    names = names_in(response.content)
    for name in ("client.json", "contacts.json", "notes.json", "projects.json", "offers.json"):
        assert name in names
    for name in ("invoices.json", "payments.json", "messages.json", "activities.json"):
        assert name in names
    assert any(name.startswith("documents/offer-") for name in names)
    assert any(name.startswith("documents/invoice-") for name in names)
    [client_row] = read_json(response.content, "client.json")
    assert client_row["fields"]["name"] == rows["client"].name
    assert len(read_json(response.content, "milestones.json")) == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == 1


def test_it_erases_a_client_after_the_typed_name(alice_client: Any, rows: Any) -> None:
    acme = rows["client"]
    url = reverse("privacy:client_erase", args=[acme.pk])
    response = alice_client.post(url, {"name": f"  {acme.name.upper()} "})
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.name == f"Gelöschter Kunde #{acme.pk}"
    assert (acme.email, acme.phone, acme.street, acme.city, acme.salutation) == ("",) * 5
    assert not Note.objects.filter(client=acme).exists()
    assert not Message.objects.filter(client=acme).exists()
    assert not Activity.objects.filter(client=acme).exists()
    assert not Contact.objects.filter(client=acme).exists()
    assert not PortalLink.objects.filter(project__client=acme).exists()
    assert acme.tags.count() == 0
    # Issued invoices and sent offers stay, snapshots untouched.
    assert Invoice.objects.filter(client=acme).count() == 2
    assert Offer.objects.filter(project__client=acme).count() == 2
    text = response.content.decode()
    assert "§ 147 AO" in text
    assert "2 issued invoices" in text
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ERASE)
    assert entry.object_repr == acme.name


def test_it_keeps_the_invoice_snapshot_on_erasure(alice: Any, rows: Any) -> None:
    invoice = make_invoice(rows["project"], snapshot={"buyer": {"name": rows["client"].name}})
    draft = make_offer(rows["project"], status=Offer.Status.DRAFT)
    report = client_erase(client=rows["client"], actor=alice)
    invoice.refresh_from_db()
    assert invoice.snapshot["buyer"]["name"].startswith("Acme")
    assert report.deleted["draft_offers"] == 1
    assert not Offer.objects.filter(pk=draft.pk).exists()


def test_it_refuses_a_wrong_name_and_changes_nothing(alice_client: Any, rows: Any) -> None:
    acme = rows["client"]
    response = alice_client.post(
        reverse("privacy:client_erase", args=[acme.pk]), {"name": "Someone"}
    )
    assert response.status_code == 400
    assert b"does not match" in response.content
    acme.refresh_from_db()
    assert acme.name.startswith("Acme")
    assert Note.objects.filter(client=acme).exists()


def test_it_erases_only_own_clients(alice: Any, bob: Any, rows: Any) -> None:
    acme = rows["client"]
    assert_owner_only(
        reverse("privacy:client_erase", args=[acme.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"name": acme.name},
    )
    acme.refresh_from_db()
    assert acme.name.startswith("Gelöschter Kunde")


def test_it_erases_only_once(alice: Any, rows: Any) -> None:
    client_erase(client=rows["client"], actor=alice)
    report = client_erase(client=rows["client"], actor=alice)
    assert report.already_erased
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ERASE).count() == 1


def test_it_refuses_to_export_an_erased_client(alice: Any, alice_client: Any, rows: Any) -> None:
    acme = rows["client"]
    client_erase(client=acme, actor=alice)
    with pytest.raises(ClientErasedError):
        client_export_zip(client=Client.objects.get(pk=acme.pk), actor=alice)
    response = alice_client.post(reverse("privacy:client_export", args=[acme.pk]))
    assert response.status_code == 410
    assert b"was erased" in response.content
    again = alice_client.post(reverse("privacy:client_erase", args=[acme.pk]), {"name": "x"})
    assert again.status_code == 410


def test_it_exports_the_whole_account(alice: Any, alice_client: Any, bob: Any, rows: Any) -> None:
    make_everything(bob)
    response = alice_client.post(reverse("privacy:account_export"))
    assert response.status_code == 200
    names = names_in(response.content)
    assert {"account.json", "clients.json", "invoices.json", "audit_log.json"} <= names
    assert len(read_json(response.content, "clients.json")) == 1
    profile = read_json(response.content, "profile.json")[0]["fields"]
    assert "calendar_token" not in profile
    account = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("account.json"))
    assert "password" not in account
    assert AuditEntry.objects.filter(owner=alice, action=AuditEntry.Action.EXPORT).count() == 1


def test_it_needs_a_login_for_the_account_export(anon_client: Any) -> None:
    url = reverse("privacy:account_export")
    assert_login_required(anon_client.post(url), url)


def test_it_shows_and_regenerates_the_calendar_address(alice: Any, alice_client: Any) -> None:
    old = alice.profile.calendar_token
    response = alice_client.get(reverse("privacy:index"))
    assert old in response.content.decode()
    alice_client.post(reverse("privacy:calendar_regenerate"))
    alice.profile.refresh_from_db()
    assert alice.profile.calendar_token != old
    assert alice_client.get(reverse("calendar:feed", args=[old])).status_code == 404
