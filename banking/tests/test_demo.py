"""The demo: the sample statement in docs/ books two payments and proposes one; German pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from banking.models import BankEntry, StatementImport
from crm.models import Profile, User
from crm.testing import client_for
from projects.models import Invoice
from tests.test_german_pages import english_phrases, visible_text

SAMPLE = Path(settings.BASE_DIR) / "docs" / "sample-statement.camt053.xml"


@pytest.fixture
def demo_user(db: None) -> User:
    call_command("demo_data", user="demo", password="demo-pass-2026", clients=24)
    return User.objects.get(username="demo")


def upload_sample(user: User) -> Any:
    client = client_for(user)
    response = client.post(
        reverse("banking:home"),
        {"file": SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())},
        follow=True,
    )
    assert response.status_code == 200
    return client, response


def test_it_books_two_payments_and_proposes_one_from_the_sample_statement(
    demo_user: User,
) -> None:
    _client, response = upload_sample(demo_user)

    statement = StatementImport.objects.get(owner=demo_user)
    assert (statement.booked, statement.proposed, statement.ignored) == (2, 1, 2)
    paid = Invoice.objects.filter(owner=demo_user, number__in=["2026-0901", "2026-0902"])
    assert {invoice.status for invoice in paid} == {Invoice.Status.PAID}
    proposal = BankEntry.objects.get(owner=demo_user, state=BankEntry.State.PROPOSED)
    assert proposal.allocations.get().invoice.number == "2026-0903"
    assert "2 Zahlungen gebucht, 1 zu bestätigen, 2 ignoriert" in response.content.decode()


def test_it_refreshes_the_demo_after_an_import(demo_user: User) -> None:
    upload_sample(demo_user)

    call_command("demo_data", user="demo", password="demo-pass-2026", clients=24)

    assert not StatementImport.objects.filter(owner=demo_user).exists()
    assert Invoice.objects.get(owner=demo_user, number="2026-0901").status == "open"


def test_it_leaves_no_english_on_the_bank_pages(demo_user: User) -> None:
    Profile.objects.filter(user=demo_user).update(language="de")
    client, _response = upload_sample(demo_user)
    statement = StatementImport.objects.get(owner=demo_user)
    entry = BankEntry.objects.get(owner=demo_user, state=BankEntry.State.PROPOSED)
    booked = BankEntry.objects.filter(owner=demo_user, state=BankEntry.State.BOOKED).first()
    phrases = english_phrases()
    leftovers = {}
    for url in [
        reverse("banking:home"),
        reverse("banking:statements"),
        reverse("banking:statement", args=[statement.pk]),
        reverse("banking:entry", args=[entry.pk]),
        reverse("banking:entry", args=[booked.pk]),
        reverse("banking:known_accounts"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content)
        found = [phrase for phrase in phrases if re.search(rf"\b{re.escape(phrase)}\b", text)]
        if found:
            leftovers[url] = found
    assert leftovers == {}
