"""Client views: access trio, list (queries, search, filters), form, archive, delete, vCard."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from clients.models import Client, Note
from crm.models import AuditEntry
from timeline.models import Activity

from .conftest import project_for
from .factories import ClientFactory, ContactFactory, NoteFactory, TagFactory

pytestmark = pytest.mark.django_db

GET_ID_VIEWS = [
    "clients:detail",
    "clients:edit",
    "clients:delete",
    "clients:vcard",
    "clients:timeline",
]
POST_ID_VIEWS = ["clients:archive", "clients:unarchive", "clients:note_add"]


def valid_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "person",
        "name": "Sabine Weber",
        "email": "weber@example.com",
        "phone": "+49 30 1234567",
        "website": "",
        "street": "Hauptstraße 5",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "language": "de",
        "form_of_address": "formal",
        "salutation": "Frau Dr. Weber",
        "sign_off": "",
        "preferred_channel": "email",
        "status": "active",
        "relationship": "new",
        "update_cadence": "weekly",
        "payment_terms_days": "14",
        "tag_names": "Agentur, Print",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
        "contacts-0-name": "Tom Assistent",
        "contacts-0-role": "Assistenz",
        "contacts-0-email": "tom@example.com",
        "contacts-0-phone": "",
        "contacts-0-is_primary": "on",
    }
    data.update(overrides)
    return data


# --- Access trio ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", GET_ID_VIEWS)
def test_it_shows_own_client_pages(alice_client: Any, acme: Client, name: str) -> None:
    assert alice_client.get(reverse(name, args=[acme.pk])).status_code == 200


@pytest.mark.parametrize("name", GET_ID_VIEWS + POST_ID_VIEWS)
def test_it_answers_404_for_another_freelancers_client(
    bob_client: Any, acme: Client, name: str
) -> None:
    method = bob_client.post if name in POST_ID_VIEWS else bob_client.get
    assert method(reverse(name, args=[acme.pk])).status_code == 404
    assert bob_client.post(reverse("clients:delete", args=[acme.pk])).status_code == 404
    assert Client.objects.filter(pk=acme.pk, archived_at=None).exists()


@pytest.mark.parametrize("name", GET_ID_VIEWS + POST_ID_VIEWS)
def test_it_sends_anonymous_visitors_to_login(anon_client: Any, acme: Client, name: str) -> None:
    method = anon_client.post if name in POST_ID_VIEWS else anon_client.get
    response = method(reverse(name, args=[acme.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_redirects_own_post_views(alice_client: Any, acme: Client) -> None:
    for name in ("clients:archive", "clients:unarchive"):
        assert alice_client.post(reverse(name, args=[acme.pk])).status_code == 302


@pytest.mark.parametrize("name", ["clients:list", "clients:create", "clients:import"])
def test_it_sends_anonymous_visitors_of_lists_to_login(anon_client: Any, name: str) -> None:
    assert anon_client.get(reverse(name)).status_code == 302


# --- List ----------------------------------------------------------------------------------


def make_clients(owner: Any, count: int) -> None:
    tags = [TagFactory(owner=owner, name=f"T{i}") for i in range(3)]
    for index in range(count):
        client = ClientFactory(owner=owner)
        client.tags.set(tags[: index % 3 + 1])
        ContactFactory(client=client)
        ContactFactory(client=client, is_primary=False)
        NoteFactory(client=client)


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_clients_in_constant_queries(
    alice_client: Any, alice: Any, django_assert_num_queries: Any, count: int
) -> None:
    make_clients(alice, count)
    # session, user, profile (middleware), tags for the filter, count, page,
    # tags of the page, contacts of the page
    with django_assert_num_queries(8):
        response = alice_client.get(reverse("clients:list"), {"q": "acme", "sort": "-created"})
    assert response.status_code == 200
    assert f"{count} clients" in response.content.decode()


def test_it_filters_by_status_relationship_and_tag(alice_client: Any, alice: Any) -> None:
    lead = ClientFactory(owner=alice, name="Lead Co", status="lead", relationship="loyal")
    lead.tags.add(TagFactory(owner=alice, name="Print"))
    ClientFactory(owner=alice, name="Active Co", status="active")
    url = reverse("clients:list")
    assert "Lead Co" in alice_client.get(url, {"status": "lead"}).content.decode()
    assert "Active Co" not in alice_client.get(url, {"status": "lead"}).content.decode()
    assert "Active Co" not in alice_client.get(url, {"relationship": "loyal"}).content.decode()
    body = alice_client.get(url, {"tag": "Print"}).content.decode()
    assert "Lead Co" in body
    assert "Active Co" not in body
    # An unknown filter value is ignored, never an error page.
    assert alice_client.get(url, {"status": "bogus", "sort": "x", "page": "99"}).status_code == 200


def test_it_renders_only_the_results_for_htmx(alice_client: Any, acme: Client) -> None:
    response = alice_client.get(
        reverse("clients:list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="client-results"
    )
    body = response.content.decode()
    assert 'id="client-results"' in body
    assert "<nav" not in body.split('id="client-results"')[0]


def test_it_sorts_and_paginates(alice_client: Any, alice: Any) -> None:
    for index in range(30):
        ClientFactory(owner=alice, name=f"Client {index:02d}")
    body = alice_client.get(reverse("clients:list"), {"sort": "-name"}).content.decode()
    assert body.index("Client 29") < body.index("Client 28")
    assert "Client 00" not in body
    assert (
        "Client 00"
        in alice_client.get(reverse("clients:list"), {"page": 2, "sort": "-name"}).content.decode()
    )


def test_it_exports_the_filtered_list_with_bom(alice_client: Any, alice: Any) -> None:
    ClientFactory(owner=alice, name="Bäckerei Süß", status="lead")
    ClientFactory(owner=alice, name="Not exported", status="past")
    response = alice_client.get(reverse("clients:export"), {"status": "lead"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffname;kind;")
    assert "Bäckerei Süß" in text
    assert "Not exported" not in text


# --- Create, edit ---------------------------------------------------------------------------


def test_it_creates_a_client_with_contact_tags_and_audit(alice_client: Any, alice: Any) -> None:
    response = alice_client.post(reverse("clients:create"), valid_form())
    client = Client.objects.get(owner=alice)
    assert response.url == client.get_absolute_url()
    assert client.tone.greeting == "Sehr geehrte Frau Dr. Weber,"
    assert sorted(t.name for t in client.tags.all()) == ["Agentur", "Print"]
    assert client.contacts.get().name == "Tom Assistent"
    assert AuditEntry.objects.get(action="create").changes["name"] == [None, "Sabine Weber"]


def test_it_edits_a_client_and_records_status_changes(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(
        reverse("clients:edit", args=[acme.pk]), valid_form(status="paused", name="Acme AG")
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.status) == ("Acme AG", "paused")
    assert Activity.objects.get(client=acme, kind="status").summary == "Active → Paused"
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["name"] == ["Acme GmbH", "Acme AG"]


def test_it_shows_the_relationship_suggestion_next_to_the_field(
    alice_client: Any, acme: Client
) -> None:
    for _index in range(3):
        project_for(acme, status="closed")
    body = alice_client.get(reverse("clients:edit", args=[acme.pk])).content.decode()
    assert "Suggested from the history: Loyal (3 projects)" in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "This field is required"),
        ("email", "not-an-email", "valid email"),
        ("phone", "call me maybe", "phone number"),
        ("name", "x" * 201, "at most 200 characters"),
        ("salutation", "y" * 121, "at most 120 characters"),
        ("payment_terms_days", "-3", "greater than or equal to 0"),
        ("payment_terms_days", "9999", "less than or equal to 365"),
        ("website", "javascript:alert(1)", "valid URL"),
        ("tag_names", "z" * 51, "at most 50 characters"),
        ("contacts-0-email", "broken@", "valid email"),
        ("contacts-0-phone", "abc", "phone number"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_error(
    alice_client: Any, alice: Any, field: str, value: str, message: str
) -> None:
    response = alice_client.post(reverse("clients:create"), valid_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.filter(owner=alice).exists()


def test_it_warns_about_a_duplicate_email_with_a_link(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(
        reverse("clients:create"), valid_form(email="INFO@acme.example"), follow=True
    )
    body = response.content.decode()
    assert "Another client uses this e-mail address too" in body
    assert f'href="{acme.get_absolute_url()}"' in body
    assert Client.objects.filter(email__iexact="info@acme.example").count() == 2


def test_it_shows_html_in_names_as_text(alice_client: Any, alice: Any) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    alice_client.post(reverse("clients:create"), valid_form(name=payload, salutation=payload))
    client = Client.objects.get(owner=alice)
    assert client.name == payload
    for url in (client.get_absolute_url(), reverse("clients:list")):
        body = alice_client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;" in body


# --- Detail ---------------------------------------------------------------------------------


def test_it_shows_badge_greeting_notes_projects_and_money(alice_client: Any, acme: Client) -> None:
    from projects.models import Invoice, Offer

    NoteFactory(client=acme, kind=Note.Kind.NO_GO, body="Never on Mondays")
    NoteFactory(client=acme, is_pinned=True, body="Pinned context")
    project = project_for(acme, title="Relaunch", status="active")
    Offer.objects.create(
        owner=acme.owner,
        project=project,
        number="A-1",
        status="sent",
        issued_on=datetime.date(2026, 11, 1),
        valid_until=datetime.date(2026, 12, 1),
    )
    Invoice.objects.create(
        owner=acme.owner, project=project, client=acme, number="R-7", status="open"
    )
    body = alice_client.get(acme.get_absolute_url()).content.decode()
    assert "Deutsch · Sie" in body
    assert "Sehr geehrte Frau Dr. Weber," in body
    assert body.index("Never on Mondays") < body.index("Personal notes")
    assert body.index("Pinned context") < body.index("Personal notes")
    assert "Relaunch" in body
    assert "A-1 v1" in body
    assert "R-7" in body


@pytest.mark.parametrize("entries", [5, 60])
def test_it_shows_the_timeline_in_constant_queries(
    alice_client: Any, acme: Client, django_assert_num_queries: Any, entries: int
) -> None:
    project = project_for(acme)
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    for index in range(entries):
        note = NoteFactory(client=acme, is_pinned=index % 2 == 0)
        Activity.objects.create(
            owner=acme.owner,
            client=acme,
            kind="note",
            summary=f"Entry {index}",
            occurred_at=now + datetime.timedelta(minutes=index),
            project=project,
            note=note,
        )
    # session, user, profile (middleware), client, tags, contacts, projects, offers, invoices,
    # received mails (the inbox's section), messages a pause holds (communications' section),
    # the goodwill ledger (rounds, invoiced, concessions), notes, prominent notes, timeline
    # count, timeline page
    with django_assert_num_queries(18):
        response = alice_client.get(acme.get_absolute_url())
    body = response.content.decode()
    assert f"Entry {entries - 1}" in body
    assert body.index(f"Entry {entries - 1}") < body.index(f"Entry {entries - 2}")


def test_it_filters_and_pages_the_timeline(alice_client: Any, acme: Client) -> None:
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    for index in range(25):
        Activity.objects.create(
            owner=acme.owner, client=acme, kind="note", summary=f"Note {index}", occurred_at=now
        )
    Activity.objects.create(
        owner=acme.owner, client=acme, kind="invoice", summary="Invoice sent", occurred_at=now
    )
    url = reverse("clients:timeline", args=[acme.pk])
    body = alice_client.get(url, {"kind": "invoice"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Invoice sent" in body
    assert "Note 1" not in body
    assert "Page 2 of 2" in alice_client.get(url, {"page": 2}).content.decode()
    assert alice_client.get(url, {"kind": "<script>", "page": "x"}).status_code == 200


# --- Archive, delete, vCard -----------------------------------------------------------------


def test_it_archives_and_hides_from_the_list(alice_client: Any, acme: Client) -> None:
    alice_client.post(reverse("clients:archive", args=[acme.pk]), follow=True)
    assert "Acme GmbH" not in alice_client.get(reverse("clients:list")).content.decode()
    assert (
        "Acme GmbH"
        in alice_client.get(reverse("clients:list"), {"archived": "on"}).content.decode()
    )


def test_it_deletes_after_confirmation(alice_client: Any, acme: Client) -> None:
    page = alice_client.get(reverse("clients:delete", args=[acme.pk])).content.decode()
    assert "Delete for good" in page
    response = alice_client.post(reverse("clients:delete", args=[acme.pk]))
    assert response.url == reverse("clients:list")
    assert not Client.objects.filter(pk=acme.pk).exists()


def test_it_refuses_to_delete_a_client_with_projects_without_a_500(
    alice_client: Any, acme: Client
) -> None:
    project_for(acme)
    page = alice_client.get(reverse("clients:delete", args=[acme.pk])).content.decode()
    assert "cannot be deleted" in page
    assert "Delete for good" not in page
    response = alice_client.post(reverse("clients:delete", args=[acme.pk]), follow=True)
    assert response.status_code == 200
    assert "Archive the client instead" in response.content.decode()
    assert Client.objects.filter(pk=acme.pk).exists()


def test_it_downloads_an_escaped_vcard(alice_client: Any, alice: Any) -> None:
    client = ClientFactory(
        owner=alice,
        kind="person",
        name="Anna Maria Fischer",
        email="anna@example.com",
        street="Weg 1; Hinterhaus, 2. OG",
    )
    response = alice_client.get(reverse("clients:vcard", args=[client.pk]))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/vcard")
    assert 'filename="anna-maria-fischer.vcf"' in response["Content-Disposition"]
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "N:Fischer;Anna Maria;;;" in text
    assert "Weg 1\\; Hinterhaus\\, 2. OG" in text


def test_it_audits_a_change_of_tags_alone(alice_client: Any, acme: Client) -> None:
    acme.tags.add(TagFactory(owner=acme.owner, name="Print"))
    form = valid_form(
        **{
            field: getattr(acme, field)
            for field in ("kind", "name", "email", "phone", "salutation", "street", "city")
        },
        postal_code=acme.postal_code,
        country=acme.country,
        tag_names="Print, Retainer",
    )
    form["contacts-TOTAL_FORMS"] = "0"
    alice_client.post(reverse("clients:edit", args=[acme.pk]), form)
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes == {"tags": ["Print", "Print, Retainer"]}
