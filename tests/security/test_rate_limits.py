"""Rate limits on public and e-mail-sending endpoints; portal links that expire by default.

The issue: 15 portal change requests in a row made 15 rows and 15 mails; nothing limited
password-reset mails or wrong old passwords; portal links lived for ever, even after the
project was cancelled.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import crm.settings as shipped
from portal.models import PortalLink
from projects.models import ChangeRequest, Project
from tests.factories import make_client, make_invoice, make_offer, make_project

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse 42"


@pytest.fixture
def limits_on(settings: Any) -> None:
    """The shipped limits (the suite turns them off elsewhere), counted from an empty cache."""
    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = shipped.ACCOUNT_RATE_LIMITS
    settings.PORTAL_RATE_LIMIT_POST = "10/h"
    settings.PORTAL_RATE_LIMIT_PDF = "5/h"


@pytest.fixture
def link(alice: Any) -> PortalLink:
    project = make_project(make_client(alice, name="Acme GmbH", language="de"), title="Website")
    return PortalLink.objects.create(owner=alice, project=project)


def test_it_limits_password_reset_mails_per_address(
    alice: Any, limits_on: None, mailoutbox: list[Any]
) -> None:
    statuses = [
        Client().post(reverse("password_reset"), {"email": "alice@example.com"}).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429]


def test_it_limits_sign_ups_per_address(limits_on: None) -> None:
    statuses = [
        Client()
        .post(
            reverse("signup"),
            {"display_name": "X", "email": f"x{i}@example.com", "password1": "Blue-harbour-97"},
        )
        .status_code
        for i in range(7)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]


def test_it_limits_wrong_old_passwords_on_the_password_change_form(
    alice_client: Any, limits_on: None
) -> None:
    data = {"oldpassword": "wrong", "password1": "Blue-harbour-97", "password2": "Blue-harbour-97"}
    statuses = [alice_client.post(reverse("password_change"), data).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses[5:]
    alice_client.logout()
    assert (
        Client().post(reverse("login"), {"login": "alice", "password": PASSWORD}).status_code == 302
    )


def test_it_limits_portal_change_requests_per_link(
    link: PortalLink, limits_on: None, mailoutbox: list[Any]
) -> None:
    url = reverse("portal:change", args=[link.token])
    statuses = [
        Client().post(url, {"title": f"Wunsch {i}", "description": "Bitte"}).status_code
        for i in range(15)
    ]
    assert statuses[:10] == [302] * 10
    assert set(statuses[10:]) == {429}
    assert ChangeRequest.objects.count() == 10
    page = Client().post(url, {"title": "noch einer"})
    assert "Too many requests" in page.content.decode()


def test_it_limits_portal_acceptances_and_pdf_downloads(
    link: PortalLink, limits_on: None, monkeypatch: Any
) -> None:
    from projects import documents

    monkeypatch.setattr(documents, "offer_pdf", lambda offer: b"%PDF-1.7 offer")
    make_offer(link.project, number="AN-1", total_gross=Decimal("100.00"))
    url = reverse("portal:offer_pdf", args=[link.token])
    statuses = [Client().get(url).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    accept = reverse("portal:accept", args=[link.token])
    statuses = [Client().post(accept, {"full_name": "X"}).status_code for _ in range(12)]
    assert 429 not in statuses[:10]
    assert statuses[10:] == [429, 429]


def test_it_limits_portal_pdf_downloads_per_link_from_any_address(
    link: PortalLink, limits_on: None, monkeypatch: Any
) -> None:
    from projects import documents

    monkeypatch.setattr(documents, "offer_pdf", lambda offer: b"%PDF-1.7 offer")
    make_offer(link.project, number="AN-1", total_gross=Decimal("100.00"))
    url = reverse("portal:offer_pdf", args=[link.token])
    statuses = [Client(REMOTE_ADDR=f"192.0.2.{i}").get(url).status_code for i in range(1, 8)]
    assert statuses == [200] * 5 + [429, 429]


def test_it_closes_the_portal_of_a_cancelled_project_with_a_friendly_page(
    link: PortalLink,
) -> None:
    Project.objects.filter(pk=link.project_id).update(
        status=Project.Status.CANCELLED, ended_on=timezone.localdate()
    )
    for url in (
        reverse("portal:page", args=[link.token]),
        reverse("portal:offer_pdf", args=[link.token]),
    ):
        response = Client().get(url)
        assert response.status_code == 410
        assert "This project page is closed." in response.content.decode()
    response = Client().post(reverse("portal:change", args=[link.token]), {"title": "x"})
    assert response.status_code in (403, 410)  # no CSRF cookie: refused either way
    assert not ChangeRequest.objects.exists()


def test_it_expires_portal_links_after_the_project_has_ended(
    link: PortalLink, settings: Any
) -> None:
    settings.PORTAL_LINK_DAYS_AFTER_END = 90
    today = timezone.localdate()
    url = reverse("portal:page", args=[link.token])
    Project.objects.filter(pk=link.project_id).update(
        status=Project.Status.CLOSED, ended_on=today - datetime.timedelta(days=90)
    )
    assert Client().get(url).status_code == 200
    Project.objects.filter(pk=link.project_id).update(ended_on=today - datetime.timedelta(days=91))
    assert Client().get(url).status_code == 410
    # An invoice of a closed project is still there for 90 days, then gone with the page.
    make_invoice(link.project, number="RE-9")


def test_it_neutralises_formulas_in_the_tags_column_of_the_csv_export(
    alice_client: Any, alice: Any
) -> None:
    from clients.models import Tag

    acme = make_client(alice, name="Acme GmbH")
    tag = Tag.objects.create(owner=alice, name='=HYPERLINK("http://evil.example")')
    acme.tags.add(tag)
    response = alice_client.get(reverse("clients:export"))
    body = (
        b"".join(response).decode("utf-8-sig")
        if response.streaming
        else response.content.decode("utf-8-sig")
    )
    line = next(row for row in body.splitlines() if "Acme GmbH" in row)
    assert ";=HYPERLINK" not in line
    assert "'=HYPERLINK" in line
