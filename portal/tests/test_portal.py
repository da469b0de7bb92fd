"""The client portal: token access, the page, accepting offers, change requests, link management."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.backends import client_ip
from crm.models import AuditEntry
from crm.testing import assert_owner_only
from portal.models import PortalLink
from projects.models import ChangeRequest, Milestone, Offer, ScopeItem
from tests.factories import (
    make_client,
    make_invoice,
    make_offer,
    make_project,
)
from timeline.models import Activity

from .posts import accept


@pytest.fixture
def project(alice: Any) -> Any:
    acme = make_client(alice, name="Acme GmbH", salutation="Frau Dr. Weber", language="de")
    project = make_project(acme, title="Neue Website", revisions_agreed=3)
    ScopeItem.objects.create(project=project, title="Startseite und fünf Unterseiten")
    ScopeItem.objects.create(project=project, title="Online-Shop", is_in_scope=False)
    Milestone.objects.create(
        project=project,
        title="Entwurf",
        due_on=timezone.localdate() + datetime.timedelta(days=3),
        forecast_on=timezone.localdate() + datetime.timedelta(days=6),
    )
    return project


@pytest.fixture
def offer(project: Any) -> Offer:
    return make_offer(project, number="AN-2026-007", total_gross=Decimal("2380.00"))


@pytest.fixture
def link(project: Any) -> PortalLink:
    return PortalLink.objects.create(owner=project.owner, project=project)


def page_url(link: PortalLink) -> str:
    return reverse("portal:page", args=[link.token])


def test_it_shows_the_project_in_the_clients_language_and_tone(
    client: Any, link: PortalLink, offer: Offer
) -> None:
    response = client.get(page_url(link))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in text
    assert "Sehr geehrte Frau Dr. Weber," in text
    assert "Neue Website" in text
    assert "Startseite und fünf Unterseiten" in text
    assert "Online-Shop" in text
    assert "AN-2026-007" in text
    assert "2.380,00\u00a0€" in text
    assert "0 of 3" in text or "0 von 3" in text
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert 'name="csrfmiddlewaretoken"' in text


def test_it_shows_only_this_projects_issued_invoices(
    client: Any, link: PortalLink, project: Any
) -> None:
    issued = make_invoice(project, number="RE-2026-001")
    make_invoice(project, number="", status="draft")
    other = make_invoice(make_project(project.client), number="RE-2026-002")
    text = client.get(page_url(link)).content.decode()
    assert issued.number in text
    assert other.number not in text
    assert reverse("portal:invoice_pdf", args=[link.token, other.pk]) not in text


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "x" * 200, "a\x00b", "a b", "ä"])
def test_it_answers_a_wrong_token_with_404(client: Any, link: PortalLink, token: str) -> None:
    response = client.get(reverse("portal:page", args=[token]))
    assert response.status_code == 404
    assert response["X-Robots-Tag"].startswith("noindex")
    assert link.project.title.encode() not in response.content


def test_it_answers_a_revoked_link_with_404(client: Any, link: PortalLink) -> None:
    link.revoked_at = timezone.now()
    link.save()
    assert client.get(page_url(link)).status_code == 404


def test_it_answers_an_expired_link_with_404(client: Any, link: PortalLink) -> None:
    link.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    link.save()
    assert client.get(page_url(link)).status_code == 404
    link.expires_on = timezone.localdate()
    link.save()
    assert client.get(page_url(link)).status_code == 200


def test_it_accepts_the_offer_and_records_who_when_where_which(
    client: Any,
    link: PortalLink,
    offer: Offer,
    alice: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(client, link, offer)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert offer.accepted_by_name == "Sabine Weber"
    assert offer.accepted_ip == "203.0.113.7"
    assert offer.accepted_at is not None
    assert Activity.objects.filter(offer=offer, kind=Activity.Kind.OFFER).count() == 1
    entry = AuditEntry.objects.get(object_type="projects.offer", object_id=str(offer.pk))
    assert entry.actor == "client portal"
    assert entry.changes["version"] == [None, 1]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [alice.email]
    assert "AN-2026-007" in mailoutbox[0].subject
    page = client.get(response["Location"])
    assert b'id="portal-done"' in page.content
    assert b'id="offer-accepted"' in page.content


def test_it_refuses_to_accept_twice(
    client: Any,
    link: PortalLink,
    offer: Offer,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        accept(client, link, offer)
        response = accept(client, link, offer, full_name="Someone Else")
    assert response.status_code == 409
    assert b"already been accepted" in response.content or b"bereits" in response.content
    offer.refresh_from_db()
    assert offer.accepted_by_name == "Sabine Weber"
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(object_type="projects.offer").count() == 1


def test_it_refuses_an_expired_offer(client: Any, link: PortalLink, project: Any) -> None:
    stale = make_offer(project, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    response = accept(client, link, stale)
    assert response.status_code == 409
    stale.refresh_from_db()
    assert stale.status == Offer.Status.SENT
    assert stale.accepted_at is None


def test_it_refuses_an_old_version(client: Any, link: PortalLink, project: Any) -> None:
    old = make_offer(project, number="AN-9", version=1, status=Offer.Status.SUPERSEDED)
    new = make_offer(project, number="AN-9", version=2)
    assert accept(client, link, old).status_code == 409
    # A form rendered for version 1 of an offer row that is now version 2.
    assert accept(client, link, new, version=1).status_code == 409
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == Offer.Status.SENT
    assert old.status == Offer.Status.SUPERSEDED


def test_it_shows_the_open_offer_before_an_older_accepted_one(
    client: Any, link: PortalLink, project: Any
) -> None:
    make_offer(project, number="AN-1", status=Offer.Status.ACCEPTED, accepted_by_name="A B")
    make_offer(project, number="AN-1", version=2, status=Offer.Status.DRAFT)
    open_offer = make_offer(project, number="AN-2")
    response = client.get(page_url(link))
    assert response.context["offer"] == open_offer
    assert response.context["offer_state"] == "open"


def test_it_refuses_another_projects_offer(
    client: Any, link: PortalLink, project: Any, bob: Any
) -> None:
    foreign = make_offer(make_project(make_client(bob)))
    assert accept(client, link, foreign).status_code == 409
    foreign.refresh_from_db()
    assert foreign.status == Offer.Status.SENT


@pytest.mark.parametrize(
    "extra",
    [{"full_name": ""}, {"full_name": "  "}, {"confirm": ""}, {"version": "x"}, {"offer": "-1"}],
)
def test_it_asks_again_for_missing_name_or_confirmation(
    client: Any, link: PortalLink, offer: Offer, extra: dict[str, str]
) -> None:
    response = accept(client, link, offer, **extra)
    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT


def test_it_turns_a_request_into_a_change_request(
    client: Any,
    link: PortalLink,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:change", args=[link.token]),
            {"title": "Blog hinzufügen", "description": "Wir hätten gern einen Blog."},
        )
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.source == ChangeRequest.Source.PORTAL
    assert change.status == ChangeRequest.Status.OPEN
    assert change.owner == link.owner
    assert len(mailoutbox) == 1


def test_it_rejects_an_empty_change_request(client: Any, link: PortalLink) -> None:
    response = client.post(reverse("portal:change", args=[link.token]), {"title": " "})
    assert response.status_code == 400
    assert not ChangeRequest.objects.exists()


def test_it_refuses_posts_without_csrf_token(link: PortalLink, offer: Offer) -> None:
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        reverse("portal:accept", args=[link.token]),
        {"offer": offer.pk, "version": 1, "full_name": "X Y", "confirm": "on"},
    )
    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT


def test_it_takes_a_null_origin_from_its_no_referrer_page_but_still_checks_the_token(
    link: PortalLink, offer: Offer
) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(page_url(link))
    token = page.context["csrf_token"]
    url = reverse("portal:accept", args=[link.token])
    data = {"offer": offer.pk, "version": 1, "full_name": "X Y", "confirm": "on"}
    foreign = browser.post(
        url, {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="https://evil.example"
    )
    assert foreign.status_code == 403
    no_token = browser.post(url, data, HTTP_ORIGIN="null")
    assert no_token.status_code == 403
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    response = browser.post(url, {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED


def test_it_serves_the_offer_and_invoice_pdfs_through_the_token(
    client: Any, link: PortalLink, offer: Offer, project: Any, monkeypatch: Any
) -> None:
    from projects import documents

    monkeypatch.setattr(documents, "offer_pdf", lambda o: b"%PDF-offer " + o.number.encode())
    monkeypatch.setattr(documents, "invoice_pdf", lambda i: b"%PDF-invoice " + i.number.encode())
    invoice = make_invoice(project, number="RE-1")
    response = client.get(reverse("portal:offer_pdf", args=[link.token]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-offer AN-2026-007"
    response = client.get(reverse("portal:invoice_pdf", args=[link.token, invoice.pk]))
    assert response.content == b"%PDF-invoice RE-1"
    foreign = make_invoice(make_project(project.client), number="RE-2")
    assert (
        client.get(reverse("portal:invoice_pdf", args=[link.token, foreign.pk])).status_code == 404
    )
    assert client.get(reverse("portal:offer_pdf", args=["nope"])).status_code == 404


@pytest.mark.postgres
def test_it_renders_a_real_offer_pdf(client: Any, link: PortalLink, offer: Offer) -> None:
    response = client.get(reverse("portal:offer_pdf", args=[link.token]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_it_takes_the_ip_from_remote_addr_unless_proxies_are_configured(
    rf: Any, settings: Any
) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.2")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.1"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "198.51.100.2"
    assert client_ip(rf.get("/", REMOTE_ADDR="not-an-ip")) is None


# --- Freelancer's link management -----------------------------------------------------------


def test_it_lists_and_creates_links_only_for_the_owner(alice: Any, bob: Any, project: Any) -> None:
    url = reverse("portal:manage", args=[project.pk])
    assert_owner_only(url, owner=alice, other=bob)
    response = assert_owner_only(
        url, owner=alice, other=bob, method="post", data={"expires_on": ""}, expect=(302,)
    )
    assert PortalLink.objects.filter(project=project).count() == 1
    assert response["Location"] == url


def test_it_refuses_an_expiry_in_the_past(alice_client: Any, project: Any) -> None:
    response = alice_client.post(
        reverse("portal:manage", args=[project.pk]), {"expires_on": "2001-01-01"}
    )
    assert response.status_code == 400
    assert not PortalLink.objects.exists()


def test_it_revokes_a_link_only_for_the_owner(
    alice: Any, bob: Any, link: PortalLink, client: Any
) -> None:
    assert_owner_only(
        reverse("portal:revoke", args=[link.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(page_url(link)).status_code == 404


def test_it_renders_the_page_with_a_constant_number_of_queries(
    client: Any, link: PortalLink, project: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(link)).status_code == 200
        return len(queries)

    few = count()
    for index in range(10):
        Milestone.objects.create(project=project, title=f"M{index}", due_on=timezone.localdate())
        ScopeItem.objects.create(project=project, title=f"S{index}")
        make_invoice(project)
    assert count() == few
