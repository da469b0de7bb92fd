"""The banking pages: upload, review, decide; only the owner reaches anything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from banking import services
from banking.models import BankEntry, KnownAccount, StatementImport
from clients.models import Client
from crm.testing import assert_login_required, assert_owner_only, client_for
from projects.models import Invoice, Payment

from .conftest import ACME_IBAN, data

State = BankEntry.State


def upload(client: Any, name: str) -> Any:
    return client.post(reverse("banking:home"), {"file": SimpleUploadedFile(name, data(name))})


@pytest.fixture
def statement(alice: Any, invoices: dict[str, Invoice]) -> StatementImport:
    return services.statement_import(
        user=alice, data=data("camt053_sparkasse.xml"), file_name="camt053_sparkasse.xml"
    )


@pytest.fixture
def proposal(statement: StatementImport) -> BankEntry:
    return statement.entries.get(state=State.PROPOSED)


def test_it_uploads_a_statement_and_shows_what_was_booked(
    alice_client: Any, invoices: dict[str, Invoice]
) -> None:
    response = upload(alice_client, "camt053_sparkasse.xml")

    statement = StatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("banking:statement", args=[statement.pk])
    page = alice_client.get(response["Location"])
    body = page.content.decode()
    assert "2 payments booked, 1 to confirm, 2 ignored" in body
    assert "Money going out: nothing to match." in body
    assert "a partial payment?" in body


def test_it_refuses_a_malformed_upload_and_saves_nothing(
    alice_client: Any, invoices: dict[str, Invoice]
) -> None:
    response = upload(alice_client, "bad_truncated.xml")

    assert response.status_code == 400
    assert "Nothing was imported. The file is not complete, well-formed XML" in (
        response.content.decode()
    )
    assert not StatementImport.objects.exists()


def test_it_answers_a_malformed_upload_in_german(
    alice: Any, alice_client: Any, invoices: dict[str, Invoice]
) -> None:
    alice.profile.language = "de"
    alice.profile.save()

    response = upload(alice_client, "bad_garbage.sta")

    assert response.status_code == 400
    assert "Es wurde nichts importiert." in response.content.decode()


def test_it_says_so_when_the_whole_file_was_imported_before(
    alice_client: Any, invoices: dict[str, Invoice]
) -> None:
    upload(alice_client, "camt053_sparkasse.xml")
    response = upload(alice_client, "camt053_sparkasse.xml")

    page = alice_client.get(response["Location"]).content.decode()
    assert "0 payments booked" in page
    assert "5 already imported before" in page
    assert "Every booking of this file had been imported before" in page
    assert Payment.objects.count() == 3


def test_it_lists_what_waits_for_review_with_a_constant_number_of_queries(
    alice: Any, alice_client: Any, statement: StatementImport, django_assert_num_queries: Any
) -> None:
    url = reverse("banking:home")
    with django_assert_num_queries(7) as captured:  # session, user, profile, count, page,
        response = alice_client.get(url)  # allocations with invoices and clients, imports
    assert response.status_code == 200
    assert "Book as proposed" in response.content.decode()
    services.statement_import(user=alice, data=data("camt053_storno.xml"), file_name="storno.xml")
    with django_assert_num_queries(len(captured.captured_queries)):
        response = alice_client.get(url)
    # The Storno, and its payment of 2026-0042, which the first statement had already booked.
    assert response.content.decode().count('data-testid="bank-entry"') == 3


def test_it_shows_a_statement_with_a_constant_number_of_queries(
    alice: Any,
    alice_client: Any,
    statement: StatementImport,
    django_assert_num_queries: Any,
) -> None:
    small = reverse("banking:statement", args=[statement.pk])
    # session, user, profile, statement, count, entries, allocations with invoices and clients
    with django_assert_num_queries(7) as captured:
        alice_client.get(small)
    other = services.statement_import(user=alice, data=data("camt053_v02.xml"), file_name="v02.xml")
    with django_assert_num_queries(len(captured.captured_queries)):
        response = alice_client.get(reverse("banking:statement", args=[other.pk]))
    assert response.content.decode().count('data-testid="bank-entry"') == 3


def test_it_filters_a_statement_by_state(alice_client: Any, statement: StatementImport) -> None:
    response = alice_client.get(
        reverse("banking:statement", args=[statement.pk]), {"state": "ignored"}
    )

    assert response.content.decode().count('data-testid="bank-entry"') == 2


def test_it_shows_statements_only_to_their_owner(
    alice: Any, bob: Any, statement: StatementImport
) -> None:
    assert_owner_only(reverse("banking:statement", args=[statement.pk]), owner=alice, other=bob)


def test_it_shows_an_entry_only_to_its_owner(alice: Any, bob: Any, proposal: BankEntry) -> None:
    response = assert_owner_only(
        reverse("banking:entry", args=[proposal.pk]), owner=alice, other=bob
    )

    assert "Book on these invoices" in response.content.decode()
    assert "2026-0045" in response.content.decode()  # the proposed invoice, chosen in the picker


def test_it_confirms_a_proposal_in_one_click_only_for_its_owner(
    alice: Any, bob: Any, proposal: BankEntry, invoices: dict[str, Invoice]
) -> None:
    assert_owner_only(
        reverse("banking:entry_confirm", args=[proposal.pk]),
        owner=alice,
        other=bob,
        method="post",
        data={"next": reverse("banking:home")},
        expect=(302,),
    )

    proposal.refresh_from_db()
    assert proposal.state == State.CONFIRMED
    invoice = invoices["2026-0045"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTLY_PAID, Decimal(1000))


def test_it_books_nothing_twice_on_a_double_click(
    alice_client: Any, proposal: BankEntry, invoices: dict[str, Invoice]
) -> None:
    url = reverse("banking:entry_confirm", args=[proposal.pk])

    alice_client.post(url)
    response = alice_client.post(url, follow=True)

    assert "already decided" in response.content.decode()
    assert Payment.objects.filter(invoice=invoices["2026-0045"]).count() == 1


def test_it_corrects_a_proposal_with_other_invoices_and_amounts(
    alice: Any, bob: Any, proposal: BankEntry, invoices: dict[str, Invoice]
) -> None:
    url = reverse("banking:entry", args=[proposal.pk])
    form = {
        "allocation-TOTAL_FORMS": "3",
        "allocation-INITIAL_FORMS": "3",
        "allocation-0-invoice": str(invoices["2026-0046"].pk),
        "allocation-0-amount": "476.00",
        "allocation-1-invoice": str(invoices["2026-0045"].pk),
        "allocation-1-amount": "524.00",
        "allocation-2-invoice": "",
        "allocation-2-amount": "",
    }

    assert_owner_only(url, owner=alice, other=bob, method="post", data=form, expect=(302,))

    proposal.refresh_from_db()
    assert proposal.state == State.CONFIRMED
    paid = dict(Payment.objects.values_list("invoice__number", "amount"))
    assert paid["2026-0046"] == Decimal("476.00")
    assert paid["2026-0045"] == Decimal("524.00")


def test_it_refuses_another_freelancers_invoice_id_in_the_form(
    alice_client: Any, proposal: BankEntry, globex: Client
) -> None:
    from .conftest import open_invoice

    bobs = open_invoice(globex, "2026-0099", "1000.00")
    response = alice_client.post(
        reverse("banking:entry", args=[proposal.pk]),
        {
            "allocation-TOTAL_FORMS": "1",
            "allocation-INITIAL_FORMS": "1",
            "allocation-0-invoice": str(bobs.pk),
            "allocation-0-amount": "1000.00",
        },
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    bobs.refresh_from_db()
    assert bobs.status == Invoice.Status.OPEN


def test_it_refuses_amounts_above_the_payment_or_the_amount_due(
    alice_client: Any, proposal: BankEntry, invoices: dict[str, Invoice]
) -> None:
    url = reverse("banking:entry", args=[proposal.pk])
    too_much = alice_client.post(
        url,
        {
            "allocation-TOTAL_FORMS": "2",
            "allocation-INITIAL_FORMS": "2",
            "allocation-0-invoice": str(invoices["2026-0045"].pk),
            "allocation-0-amount": "900.00",
            "allocation-1-invoice": str(invoices["2026-0046"].pk),
            "allocation-1-amount": "400.00",
        },
    )
    over_due = alice_client.post(
        url,
        {
            "allocation-TOTAL_FORMS": "1",
            "allocation-INITIAL_FORMS": "1",
            "allocation-0-invoice": str(invoices["2026-0046"].pk),
            "allocation-0-amount": "900.00",
        },
    )

    assert "more than the 1000.00 received" in too_much.content.decode()
    assert "More than the 476.00 due on 2026-0046" in over_due.content.decode()
    assert not Payment.objects.filter(invoice__number__in=["2026-0045", "2026-0046"]).exists()


def test_it_accepts_german_amounts_in_the_correction(
    alice: Any, alice_client: Any, proposal: BankEntry, invoices: dict[str, Invoice]
) -> None:
    alice.profile.language = "de"
    alice.profile.save()

    alice_client.post(
        reverse("banking:entry", args=[proposal.pk]),
        {
            "allocation-TOTAL_FORMS": "1",
            "allocation-INITIAL_FORMS": "1",
            "allocation-0-invoice": str(invoices["2026-0045"].pk),
            "allocation-0-amount": "999,50",
        },
    )

    assert Payment.objects.get(invoice=invoices["2026-0045"]).amount == Decimal("999.50")


def test_it_dismisses_and_acknowledges_only_for_the_owner(
    alice: Any, bob: Any, proposal: BankEntry
) -> None:
    assert_owner_only(
        reverse("banking:entry_dismiss", args=[proposal.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )
    assert_owner_only(
        reverse("banking:entry_acknowledge", args=[proposal.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )
    proposal.refresh_from_db()
    assert proposal.state == State.DISMISSED


def test_it_suggests_only_the_users_open_invoices(
    alice_client: Any, invoices: dict[str, Invoice], globex: Client
) -> None:
    from .conftest import open_invoice

    open_invoice(globex, "2026-0049", "10.00")

    response = alice_client.get(reverse("banking:invoice_suggest"), {"q": "2026-004"})

    texts = [row["text"] for row in response.json()["results"]]
    assert len(texts) == 5
    assert not any("Globex" in text for text in texts)
    assert texts[0].startswith("2026-004")


def test_it_lists_and_forgets_known_accounts_only_for_the_owner(
    alice: Any, bob: Any, acme: Client
) -> None:
    known = KnownAccount.objects.create(owner=alice, client=acme, iban=ACME_IBAN, name="Acme")
    url = reverse("banking:known_accounts")
    assert ACME_IBAN in client_for(alice).get(url).content.decode()
    assert ACME_IBAN not in client_for(bob).get(url).content.decode()
    assert_login_required(client_for(None).get(url), url)

    assert_owner_only(
        reverse("banking:known_account_forget", args=[known.pk]),
        owner=alice,
        other=bob,
        method="post",
        expect=(302,),
    )

    assert not KnownAccount.objects.exists()


def test_it_keeps_the_statement_list_to_the_owner(
    alice: Any, bob: Any, statement: StatementImport, bob_client: Any
) -> None:
    response = bob_client.get(reverse("banking:statements"))

    assert statement.file_name not in response.content.decode()
    assert bob_client.get(reverse("banking:home")).status_code == 200
