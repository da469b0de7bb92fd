"""Views: the own / another freelancer's (404) / anonymous (login) trio for every id, forms,
bad input with clear messages, PDFs inline and as download, constant query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project, ScopeItem
from projects.services.invoices import invoice_create, invoice_issue
from projects.services.offers import offer_create, offer_send

from .factories import (
    ChangeRequestFactory,
    MilestoneFactory,
    ProjectFactory,
    ScopeItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(project: Any, offer: Any, invoice: Any) -> dict[str, Any]:
    return {
        "project": project,
        "offer": offer,
        "invoice": invoice,
        "scope": project.scope_items.first(),
        "milestone": MilestoneFactory(project=project),
        "change_request": ChangeRequestFactory(project=project),
    }


# (url name, which object, method)
ID_VIEWS = [
    ("projects:detail", "project", "get"),
    ("projects:edit", "project", "get"),
    ("projects:status", "project", "post"),
    ("projects:scope_add", "project", "post"),
    ("projects:milestone_add", "project", "post"),
    ("projects:revision_add", "project", "post"),
    ("projects:change_request_add", "project", "post"),
    ("projects:offer_create", "project", "post"),
    ("projects:invoice_create", "project", "post"),
    ("projects:scope_edit", "scope", "get"),
    ("projects:scope_delete", "scope", "post"),
    ("projects:milestone_edit", "milestone", "get"),
    ("projects:milestone_delete", "milestone", "post"),
    ("projects:change_request_detail", "change_request", "get"),
    ("projects:offer_detail", "offer", "get"),
    ("projects:offer_edit", "offer", "get"),
    ("projects:offer_send", "offer", "post"),
    ("projects:offer_status", "offer", "post"),
    ("projects:offer_new_version", "offer", "post"),
    ("projects:offer_pdf", "offer", "get"),
    ("projects:invoice_detail", "invoice", "get"),
    ("projects:invoice_edit", "invoice", "get"),
    ("projects:invoice_issue", "invoice", "post"),
    ("projects:invoice_payment", "invoice", "post"),
    ("projects:invoice_mark_paid", "invoice", "post"),
    ("projects:invoice_cancel", "invoice", "post"),
    ("projects:invoice_delete", "invoice", "post"),
    ("projects:invoice_pdf", "invoice", "get"),
]


def _url(name: str, obj: Any) -> str:
    return reverse(name, args=[obj.pk])


@pytest.mark.parametrize(("name", "kind", "method"), ID_VIEWS)
def test_it_serves_the_owner(
    alice_client: Any, things: dict[str, Any], name: str, kind: str, method: str
) -> None:
    response = getattr(alice_client, method)(_url(name, things[kind]))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(("name", "kind", "method"), ID_VIEWS)
def test_it_hides_alices_things_from_bob(
    alice: Any, bob: Any, client: Any, things: dict[str, Any], name: str, kind: str, method: str
) -> None:
    client.force_login(bob)
    response = getattr(client, method)(_url(name, things[kind]))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "kind", "method"), ID_VIEWS)
def test_it_sends_anonymous_visitors_to_login(
    client: Any, things: dict[str, Any], name: str, kind: str, method: str
) -> None:
    response = getattr(client, method)(_url(name, things[kind]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_moves_scope_items_with_both_directions_trio(
    alice_client: Any, client: Any, project: Any, bob: Any
) -> None:
    item = project.scope_items.first()
    url = reverse("projects:scope_move", args=[item.pk, "down"])
    assert alice_client.post(url).status_code == 302
    alice_client.logout()
    assert client.post(url).status_code == 302
    client.force_login(bob)
    assert client.post(url).status_code == 404


def test_it_lists_projects_with_a_constant_number_of_queries(
    alice_client: Any, alice: Any, weber: Any, django_assert_num_queries: Any
) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            project = ProjectFactory(owner=alice, client=weber)
            MilestoneFactory(project=project, due_on=datetime.date(2020, 1, 1))
            MilestoneFactory(
                project=project,
                due_on=datetime.date(2030, 1, 1),
                forecast_on=datetime.date(2030, 2, 1),
            )

    make(2)
    url = reverse("projects:list")
    with django_assert_num_queries(7) as captured:
        response = alice_client.get(url)
    assert response.status_code == 200
    make(8)
    with django_assert_num_queries(len(captured.captured_queries)):
        response = alice_client.get(url)
    assert response.content.decode().count("Late") >= 10


def test_it_lists_invoices_with_a_constant_number_of_queries(
    alice_client: Any, project: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        invoice_create(project=project, actor=project.owner)
    with django_assert_num_queries(5) as captured:
        alice_client.get(reverse("projects:invoice_list"))
    for _ in range(5):
        invoice_create(project=project, actor=project.owner)
    with django_assert_num_queries(len(captured.captured_queries)):
        alice_client.get(reverse("projects:invoice_list"))


def test_it_preselects_the_client_from_its_page(alice_client: Any, weber: Any, globex: Any) -> None:
    response = alice_client.get(reverse("projects:create") + f"?client={weber.pk}")
    assert response.status_code == 200
    assert f'<option value="{weber.pk}" selected>' in response.content.decode()
    assert alice_client.get(reverse("projects:create") + f"?client={globex.pk}").status_code == 404


@pytest.fixture
def globex(bob: Any) -> Any:
    from clients.tests.factories import ClientFactory

    return ClientFactory(owner=bob, name="Globex")


def _project_post(client_pk: int, **extra: Any) -> dict[str, Any]:
    data = {
        "client": client_pk,
        "title": "Relaunch",
        "pricing": "fixed",
        "fixed_price": "5000",
        "currency": "EUR",
        "vat_rate": "19",
        "payment_terms_days": "14",
        "update_cadence": "weekly",
        "update_weekday": "4",
        "revisions_agreed": "2",
        "start_on": "2026-11-02",
        "deadline_on": "2026-12-18",
    }
    data.update(extra)
    return data


def test_it_creates_a_project(alice_client: Any, weber: Any) -> None:
    response = alice_client.post(reverse("projects:create"), _project_post(weber.pk))
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert project.owner.username == "alice"


def test_it_refuses_a_deadline_before_the_start(alice_client: Any, weber: Any) -> None:
    response = alice_client.post(
        reverse("projects:create"), _project_post(weber.pk, deadline_on="2026-10-01")
    )
    assert response.status_code == 200
    assert "The deadline lies before the start." in response.content.decode()
    assert not Project.objects.exists()


def test_it_refuses_a_vat_rate_out_of_range(alice_client: Any, weber: Any) -> None:
    response = alice_client.post(
        reverse("projects:create"), _project_post(weber.pk, vat_rate="120")
    )
    assert response.status_code == 200
    assert not Project.objects.exists()


def test_it_refuses_another_users_client(alice_client: Any, globex: Any) -> None:
    response = alice_client.post(reverse("projects:create"), _project_post(globex.pk))
    assert response.status_code == 200
    assert not Project.objects.exists()


def test_it_refuses_a_disallowed_status_with_a_message(alice_client: Any, project: Any) -> None:
    response = alice_client.post(
        reverse("projects:status", args=[project.pk]), {"status": "lead"}, follow=True
    )
    assert "cannot go from" in response.content.decode()


def test_it_saves_a_late_milestone_with_a_warning(alice_client: Any, project: Any) -> None:
    response = alice_client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"title": "Go-live", "due_on": "2027-01-15"},
        follow=True,
    )
    assert Milestone.objects.filter(title="Go-live").exists()
    assert "after the project deadline" in response.content.decode()


def test_it_adds_scope_items_inline_with_htmx(alice_client: Any, project: Any) -> None:
    response = alice_client.post(
        reverse("projects:scope_add", args=[project.pk]),
        {"title": "Kontaktformular", "is_in_scope": "on"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="scope"' in body
    assert "<html" not in body
    assert "Kontaktformular" in body
    response = alice_client.post(
        reverse("projects:scope_add", args=[project.pk]), {"title": ""}, HTTP_HX_REQUEST="true"
    )
    assert "This field is required" in response.content.decode()


def test_it_edits_a_scope_item_inline(alice_client: Any, project: Any) -> None:
    item = ScopeItemFactory(project=project, title="Alt")
    url = reverse("projects:scope_edit", args=[item.pk])
    form = alice_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in form
    assert "Alt" in form
    alice_client.post(
        url,
        {f"scope{item.pk}-title": "Neu", f"scope{item.pk}-is_in_scope": "on"},
        HTTP_HX_REQUEST="true",
    )
    item.refresh_from_db()
    assert item.title == "Neu"


def test_it_requires_billing_for_a_round_beyond_the_agreement(
    alice_client: Any, project: Any
) -> None:
    url = reverse("projects:revision_add", args=[project.pk])
    for _ in range(2):
        alice_client.post(
            url, {"requested_on": "2026-11-20", "description": "x", "billing": "included"}
        )
    response = alice_client.post(
        url, {"requested_on": "2026-11-21", "description": "y", "billing": "included"}, follow=True
    )
    assert "goodwill extra" in response.content.decode()
    alice_client.post(
        url, {"requested_on": "2026-11-21", "description": "y", "billing": "goodwill"}
    )
    page = alice_client.get(project.get_absolute_url()).content.decode()
    assert "2 of 2 revisions used" in page
    assert "1 extra round" in page


def test_it_requires_an_alternative_to_decline(alice_client: Any, project: Any) -> None:
    cr = ChangeRequestFactory(project=project)
    url = reverse("projects:change_request_detail", args=[cr.pk])
    response = alice_client.post(url, {"decision": "decline", "alternative": ""})
    assert response.status_code == 422
    assert "always offers an alternative" in response.content.decode()
    cr.refresh_from_db()
    assert cr.status == ChangeRequest.Status.OPEN
    alice_client.post(url, {"decision": "decline", "alternative": "Phase 2"})
    cr.refresh_from_db()
    assert cr.status == ChangeRequest.Status.DECLINED
    assert cr.reply_body


def _lines_post(offer: Any, **overrides: str) -> dict[str, str]:
    data = {
        "issued_on": "2026-11-23",
        "valid_until": "2026-12-23",
        "intro_text": "Hallo",
        "closing_text": "Gruß",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Design",
        "lines-0-quantity": "2",
        "lines-0-unit": "Std.",
        "lines-0-unit_price": "100",
        "lines-0-vat_rate": "19",
        "lines-0-position": "1",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lines-0-quantity", "-1", "The quantity must be more than zero."),
        ("lines-0-unit_price", "-5", "The price cannot be negative."),
        ("lines-0-vat_rate", "101", "The VAT rate must lie between 0 and 100 %."),
        ("lines-0-vat_rate", "-1", "The VAT rate must lie between 0 and 100 %."),
    ],
)
def test_it_refuses_bad_line_items(
    alice_client: Any, project: Any, field: str, value: str, message: str
) -> None:
    offer = offer_create(project=project, actor=project.owner)
    offer.lines.all().delete()
    response = alice_client.post(
        reverse("projects:offer_edit", args=[offer.pk]), _lines_post(offer, **{field: value})
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not offer.lines.exists()


def test_it_refuses_to_send_an_offer_without_lines(alice_client: Any, project: Any) -> None:
    offer = offer_create(project=project, actor=project.owner)
    offer.lines.all().delete()
    response = alice_client.post(reverse("projects:offer_send", args=[offer.pk]), follow=True)
    assert "at least one line item" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == "draft"


def test_it_turns_editing_a_sent_offer_into_a_new_version(alice_client: Any, offer: Any) -> None:
    offer_send(offer=offer, actor=offer.owner)
    response = alice_client.post(
        reverse("projects:offer_edit", args=[offer.pk]),
        _lines_post(offer, **{"lines-0-description": "Neu"}),
    )
    v2 = Offer.objects.get(number=offer.number, version=2)
    assert response.status_code == 302
    assert response["Location"] == v2.get_absolute_url()
    assert [line.description for line in v2.lines.all()] == ["Neu"]
    offer.refresh_from_db()
    assert offer.status == "sent"
    assert [line.description for line in offer.lines.all()] == ["Design", "Umsetzung"]


def test_it_keeps_nothing_half_saved_when_a_new_version_is_invalid(
    alice_client: Any, offer: Any
) -> None:
    offer_send(offer=offer, actor=offer.owner)
    response = alice_client.post(
        reverse("projects:offer_edit", args=[offer.pk]),
        _lines_post(offer, **{"lines-0-unit_price": "-1"}),
    )
    assert response.status_code == 422
    assert not Offer.objects.filter(number=offer.number, version=2).exists()


def test_it_serves_pdfs_inline_and_as_download(alice_client: Any, offer: Any) -> None:
    url = reverse("projects:offer_pdf", args=[offer.pk])
    inline = alice_client.get(url)
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline.content.startswith(b"%PDF")
    download = alice_client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")


def test_it_refuses_to_delete_an_issued_invoice(alice_client: Any, invoice: Any) -> None:
    invoice_issue(invoice=invoice, actor=invoice.owner)
    response = alice_client.post(reverse("projects:invoice_delete", args=[invoice.pk]), follow=True)
    assert "never deleted" in response.content.decode()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_it_records_a_partial_payment(alice_client: Any, invoice: Any) -> None:
    invoice_issue(invoice=invoice, actor=invoice.owner)
    alice_client.post(
        reverse("projects:invoice_payment", args=[invoice.pk]),
        {"amount": "100", "paid_on": "2026-11-25"},
    )
    invoice.refresh_from_db()
    assert invoice.status == "partly_paid"
    response = alice_client.post(
        reverse("projects:invoice_payment", args=[invoice.pk]),
        {"amount": "-3", "paid_on": "2026-11-25"},
        follow=True,
    )
    assert "more than zero" in response.content.decode()


def test_it_refuses_to_edit_an_issued_invoice(alice_client: Any, invoice: Any) -> None:
    invoice_issue(invoice=invoice, actor=invoice.owner)
    response = alice_client.get(reverse("projects:invoice_edit", args=[invoice.pk]), follow=True)
    assert "cannot be changed" in response.content.decode()


def test_it_shows_scope_items_of_alice_only(alice_client: Any, bob: Any) -> None:
    bobs = ScopeItemFactory(project=ProjectFactory(owner=bob), title="Bobs Geheimnis")
    assert ScopeItem.objects.owned_by(bob).filter(pk=bobs.pk).exists()
    assert "Bobs Geheimnis" not in alice_client.get(reverse("projects:list")).content.decode()


def test_it_audits_an_offer_edit(alice_client: Any, project: Any) -> None:
    from crm.models import AuditEntry

    offer = offer_create(project=project, actor=project.owner)
    alice_client.post(reverse("projects:offer_edit", args=[offer.pk]), _lines_post(offer))
    entry = AuditEntry.objects.get(action="update", object_type="projects.offer")
    assert entry.changes["intro_text"][1] == "Hallo"
    assert "lines" in entry.changes


def test_it_hides_the_admin_delete_of_an_issued_invoice(client: Any, invoice: Any) -> None:
    from crm.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-admin-42")
    client.force_login(admin)
    invoice_issue(invoice=invoice, actor=invoice.owner)
    url = reverse("admin:projects_invoice_delete", args=[invoice.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_it_accepts_a_change_request_from_its_page(alice_client: Any, project: Any) -> None:
    cr = ChangeRequestFactory(project=project, title="Newsletter")
    response = alice_client.post(
        reverse("projects:change_request_detail", args=[cr.pk]),
        {"decision": "accept", "price": "500", "deadline_impact_days": "3"},
    )
    assert response.status_code == 302
    cr.refresh_from_db()
    assert cr.status == "accepted"
    assert cr.reply_body
    assert project.scope_items.filter(title="Newsletter", is_in_scope=True).exists()
