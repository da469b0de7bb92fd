"""The first-run setup: after sign-up, one skippable step at a time; the dashboard reminds."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from crm.testing import assert_login_required, client_for
from tests.factories import make_client

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-harbour-lantern-71"


def new_freelancer() -> Any:
    """A freelancer who just signed up, confirmed their address and never logged in."""
    from allauth.account.models import EmailAddress

    from crm.models import Profile, User

    user = User.objects.create_user(
        username="carla@example.com", email="carla@example.com", password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Profile.objects.create(user=user, display_name="Carla", language="en")
    return user


def test_the_first_log_in_leads_into_the_setup(client: Any) -> None:
    new_freelancer()
    credentials = {"login": "carla@example.com", "password": PASSWORD}

    response = client.post(reverse("login"), credentials, follow=True)

    assert response.redirect_chain[-1][0] == reverse("dashboard:setup_step", args=["business"])
    assert "Step 1 of 5" in response.content.decode()
    client.post(reverse("logout"))
    # Every later log-in opens the dashboard.
    response = client.post(reverse("login"), credentials)
    assert response["Location"] == reverse("dashboard:index")


def test_it_walks_the_steps_and_saves_what_invoices_need(client: Any, db: None) -> None:
    from crm.models import User

    user = new_freelancer()
    browser = client_for(user)
    step = browser.post(
        reverse("dashboard:setup_step", args=["business"]),
        {
            "display_name": "Carla Krüger",
            "business_name": "Krüger Design",
            "street": "Hauptstraße 1",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
            "tax_number": "",
            "vat_id": "de 123 456 789",
            "bank_name": "",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "",
        },
    )
    assert step.url == reverse("dashboard:setup_step", args=["sender"])
    user = User.objects.get(pk=user.pk)
    assert (user.profile.iban, user.profile.vat_id) == ("DE89370400440532013000", "DE123456789")

    sender = browser.post(step.url, {"reply_to_email": "hallo@krueger.example"})
    assert sender.url == reverse("dashboard:setup_step", args=["mailbox"])
    mailbox_page = browser.get(sender.url).content.decode()
    assert reverse("inbox:settings") in mailbox_page
    bank = browser.post(sender.url)  # "Continue" without connecting
    assert bank.url == reverse("dashboard:setup_step", args=["bank"])
    assert reverse("banking:home") in browser.get(bank.url).content.decode()
    clients = browser.post(bank.url)
    assert clients.url == reverse("dashboard:setup_step", args=["clients"])
    user.profile.refresh_from_db()
    assert user.profile.reply_to_email == "hallo@krueger.example"

    page = browser.get(clients.url).content.decode()
    assert reverse("clients:import") in page
    done = browser.post(reverse("dashboard:setup_skip", args=["clients"]), follow=True)
    assert done.redirect_chain[-1][0] == reverse("dashboard:index")
    assert "You are set up" in done.content.decode()


def test_every_step_can_be_skipped_and_the_dashboard_reminds(alice: Any) -> None:
    profile = alice.profile
    profile.iban = ""
    profile.reply_to_email = ""
    profile.save()
    browser = client_for(alice)
    first = browser.get(reverse("dashboard:setup"))
    assert first.url == reverse("dashboard:setup_step", args=["business"])
    second = browser.post(reverse("dashboard:setup_skip", args=["business"]))
    assert second.url == reverse("dashboard:setup_step", args=["sender"])
    third = browser.post(reverse("dashboard:setup_skip", args=["sender"]))
    assert third.url == reverse("dashboard:setup_step", args=["mailbox"])
    browser.post(reverse("dashboard:setup_skip", args=["mailbox"]))
    fifth = browser.post(reverse("dashboard:setup_skip", args=["bank"]))
    assert fifth.url == reverse("dashboard:setup_step", args=["clients"])
    dashboard = browser.get(reverse("dashboard:index")).content.decode()
    assert "Finish setting up" in dashboard
    assert reverse("dashboard:setup_step", args=["business"]) in dashboard


def test_done_steps_are_passed_over(alice: Any) -> None:
    from banking.models import StatementImport
    from inbox.models import Mailbox

    alice.profile.reply_to_email = "alice@studio.example"
    alice.profile.save()
    make_client(alice)
    browser = client_for(alice)
    assert browser.get(reverse("dashboard:setup")).url == reverse(
        "dashboard:setup_step", args=["mailbox"]
    )
    Mailbox.objects.create(owner=alice, host="imap.example.com", username="alice")
    StatementImport.objects.create(owner=alice, file_name="camt.xml", format="camt.053")
    assert browser.get(reverse("dashboard:setup")).url == reverse("dashboard:index")
    assert "Finish setting up" not in browser.get(reverse("dashboard:index")).content.decode()


def test_the_setup_needs_a_login_and_knows_its_steps(alice: Any) -> None:
    url = reverse("dashboard:setup_step", args=["business"])
    assert_login_required(client_for(None).get(url), url)
    assert client_for(alice).get(reverse("dashboard:setup_step", args=["nope"])).status_code == 404
    skip = reverse("dashboard:setup_skip", args=["nope"])
    assert client_for(alice).post(skip).status_code == 404


def test_the_clients_list_says_what_to_do_when_empty(alice: Any) -> None:
    body = client_for(alice).get(reverse("clients:list")).content.decode()
    assert 'data-testid="clients-empty"' in body
    assert reverse("clients:import") in body
    filtered = client_for(alice).get(reverse("clients:list"), {"q": "x"}).content.decode()
    assert "No clients match." in filtered
