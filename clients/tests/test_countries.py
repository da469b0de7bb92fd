"""Countries as ISO 3166 codes: the names recognised, the migration from free text, the form,
the flag for a country not recognised, the letter's address block, the e-invoice, the vCard and
the CSV import."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pypdf
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from lxml import etree

from clients.forms import ClientForm
from clients.models import Client
from crm.countries import address_country_line, country_code
from crm.models import Profile
from projects import documents
from projects.einvoice import invoice_xml
from projects.models import NumberSequence
from projects.services import ProjectError
from projects.services.invoices import invoice_create, invoice_issue
from projects.tests.factories import InvoiceLineFactory, ProjectFactory

from .factories import ClientFactory
from .test_import import rows_of
from .test_views_client import valid_form

TODAY = datetime.date(2026, 11, 20)
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Spanien", "ES"),
        ("Italien", "IT"),
        ("Polen", "PL"),
        ("Schweden", "SE"),
        ("Dänemark", "DK"),
        ("Vereinigtes Königreich", "GB"),
        ("UK", "GB"),
        ("Großbritannien", "GB"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        (" österreich ", "AT"),
        ("Switzerland", "CH"),
        ("USA", "US"),
        ("es", "ES"),
        ("FRA", "FR"),
        ("Narnia", ""),
        ("", ""),
        ("XX", ""),
    ],
)
def test_it_recognises_german_and_english_names_and_never_guesses(typed: str, code: str) -> None:
    assert country_code(typed) == code


def test_the_address_line_is_for_foreign_addresses_in_capitals_in_the_documents_language() -> None:
    assert address_country_line("ES", home="DE", language="de") == "SPANIEN"
    assert address_country_line("ES", home="DE", language="en") == "SPAIN"
    assert address_country_line("DE", home="DE", language="de") == ""
    assert address_country_line("", home="DE", language="de") == ""
    assert address_country_line("Spanien", home="Deutschland", language="en") == "SPAIN"


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_typed_countries_and_flags_the_unknown() -> None:
    old = [
        ("clients", "0004_import_uploads_customer_number"),
        ("crm", "0002_profile_sender_address"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    state = executor.loader.project_state(old).apps
    user = state.get_model("crm", "User").objects.create(username="old", email="old@example.com")
    state.get_model("crm", "Profile").objects.create(
        user_id=user.pk, country="Vereinigtes Königreich", city="Lon\x0cdon"
    )
    OldClient = state.get_model("clients", "Client")
    for name, country in [
        ("a", "Spanien"),
        ("b", "Dänemark"),
        ("c", "UK"),
        ("d", "Narnia"),
        ("e", ""),
        ("f\x01", "Germany"),
    ]:
        OldClient.objects.create(owner_id=user.pk, name=name, country=country)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    clients = {
        client.name: (client.country.code, client.country_unrecognised)
        for client in Client.objects.filter(owner_id=user.pk)
    }
    assert clients == {
        "a": ("ES", ""),
        "b": ("DK", ""),
        "c": ("GB", ""),
        "d": ("", "Narnia"),  # flagged, not DE
        "e": ("", ""),
        "f": ("DE", ""),  # the name's control character is gone too
    }
    profile = Profile.objects.get(user_id=user.pk)
    assert (profile.country.code, profile.city) == ("GB", "Lon\ndon")


@pytest.mark.django_db
def test_the_form_offers_codes_with_localised_names_and_clears_the_flag(
    alice_client: Any, alice: Any
) -> None:
    flagged = ClientFactory(owner=alice, country="", country_unrecognised="Narnia")
    detail = alice_client.get(reverse("clients:detail", args=[flagged.pk])).content.decode()
    assert "Narnia" in detail
    assert "not recognised" in detail
    listing = alice_client.get(reverse("clients:list")).content.decode()
    assert "Choose the country" in listing

    page = alice_client.get(reverse("clients:edit", args=[flagged.pk])).content.decode()
    assert '<option value="ES">Spain</option>' in page  # alice reads English
    with translation.override("de"):
        assert '<option value="ES">Spanien</option>' in str(ClientForm()["country"])
    refused = alice_client.post(
        reverse("clients:edit", args=[flagged.pk]), valid_form(country="Spanien")
    )
    assert "Select a valid choice" in refused.content.decode()
    flagged.refresh_from_db()
    assert flagged.country_unrecognised == "Narnia"
    alice_client.post(reverse("clients:edit", args=[flagged.pk]), valid_form(country="ES"))
    flagged.refresh_from_db()
    assert (flagged.country.code, flagged.country_unrecognised) == ("ES", "")


def _issue(client: Client) -> Any:
    project = ProjectFactory(owner=client.owner, client=client)
    invoice = invoice_create(project=project, actor=client.owner, today=TODAY)
    invoice.lines.all().delete()
    InvoiceLineFactory(invoice=invoice, description="Design", quantity=1, unit_price="100.00")
    return invoice


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db
def test_the_letter_and_the_e_invoice_use_the_code(alice: Any) -> None:
    madrid = ClientFactory(owner=alice, city="Madrid", country="ES", language="de")
    invoice = invoice_issue(invoice=_issue(madrid), actor=alice, today=TODAY)
    text = _pdf_text(documents.invoice_pdf(invoice))
    assert "SPANIEN" in text
    xml = etree.fromstring(invoice_xml(invoice.snapshot))
    countries = [node.text for node in xml.iter(f"{RAM}CountryID")]
    assert countries == ["DE", "ES"]  # seller, buyer

    berlin = ClientFactory(owner=alice, country="DE", language="en")
    domestic = invoice_issue(invoice=_issue(berlin), actor=alice, today=TODAY)
    assert "GERMANY" not in _pdf_text(documents.invoice_pdf(domestic))


@pytest.mark.django_db
def test_an_invoice_to_a_client_whose_country_was_not_recognised_waits_for_it(alice: Any) -> None:
    flagged = ClientFactory(owner=alice, country="", country_unrecognised="Narnia")
    draft = _issue(flagged)
    with pytest.raises(ProjectError, match="Narnia"):
        invoice_issue(invoice=draft, actor=alice, today=TODAY)
    assert not NumberSequence.objects.filter(owner=alice).exists()


@pytest.mark.django_db
def test_the_vcard_names_the_country(alice_client: Any, alice: Any) -> None:
    client = ClientFactory(owner=alice, kind="person", name="Eva Berg", city="Malmö", country="SE")
    response = alice_client.get(
        reverse("clients:vcard", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "ADR;TYPE=WORK:;;Hauptstraße 5;Malmö;;10115;Sweden" in response.content.decode()


@pytest.mark.django_db
def test_the_import_maps_country_names_and_refuses_unknown_ones(alice: Any) -> None:
    spain, narnia = rows_of(alice, b"Name;Land\nAna;Spanien\nAslan;Narnia\n")
    assert spain.data["country"] == "ES"
    assert spain.data["language"] == "en"
    assert spain.errors == []
    assert narnia.errors
    assert "Narnia" in narnia.errors[0]


def test_a_letter_names_the_country_of_a_foreign_address_only() -> None:
    vienna = Client(street="Ring 1", postal_code="1010", city="Wien", country="AT", language="de")
    assert vienna.letter_lines(home="DE") == ["Ring 1", "1010 Wien", "ÖSTERREICH"]
    assert vienna.letter_lines(home="AT") == ["Ring 1", "1010 Wien"]
    vienna.language = "en"
    assert vienna.letter_lines(home="DE")[-1] == "AUSTRIA"


@pytest.mark.django_db
def test_a_new_client_starts_in_the_freelancers_country_and_the_profile_shows_its_flag(
    alice_client: Any, alice: Any
) -> None:
    Profile.objects.filter(user=alice).update(country="AT")
    page = alice_client.get(reverse("clients:create")).content.decode()
    assert '<option value="AT" selected>' in page
    Profile.objects.filter(user=alice).update(country="", country_unrecognised="Absurdistan")
    settings = alice_client.get(reverse("crm:profile")).content.decode()
    assert "Absurdistan" in settings


@pytest.mark.django_db
def test_the_vcard_import_maps_the_country_name(alice: Any) -> None:
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana L\xc3\xb3pez\r\nN:L\xc3\xb3pez;Ana;;;\r\n"
        b"ADR;TYPE=WORK:;;Calle Mayor 1;Madrid;;28013;Spanien\r\nEND:VCARD\r\n"
    )
    (row,) = rows_of(alice, card, "contacts.vcf")
    assert row.errors == []
    assert (row.data["city"], row.data["country"]) == ("Madrid", "ES")
