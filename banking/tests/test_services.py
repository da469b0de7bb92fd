"""Importing statements: booking, proposals, idempotence, reversals, currencies, bad files."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from banking import decisions, services
from banking.models import Allocation, BankAccount, BankEntry, KnownAccount, StatementImport
from banking.tests.statements import Entry, Tx, camt
from clients.models import Client
from communications.models import Message
from communications.planners.reminders import reminders_plan
from projects.models import Invoice, Payment

from .conftest import ACME_IBAN, INITECH_IBAN, data, open_invoice

State = BankEntry.State


def run(user: Any, name: str) -> StatementImport:
    return services.statement_import(user=user, data=data(name), file_name=name)


def states(statement: StatementImport) -> list[tuple[str, str]]:
    return list(statement.entries.order_by("position").values_list("state", "reason"))


def refreshed(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    return invoice


def credit(amount: str, text: str, *, iban: str = ACME_IBAN, name: str = "Acme GmbH", **kw: Any):
    return Entry(
        Decimal(amount),
        kw.pop("booked_on", datetime.date(2026, 11, 12)),
        txs=[Tx(name=name, iban=iban, remittance=[text] if text else [])],
        **kw,
    )


def import_entries(user: Any, *entries: Entry, currency: str = "EUR") -> StatementImport:
    content = camt(list(entries), currency=currency)
    return services.statement_import(user=user, data=content, file_name="test.xml")


def test_it_books_exact_matches_and_proposes_and_ignores_the_rest(
    alice: Any, invoices: dict[str, Invoice], acme: Client
) -> None:
    statement = run(alice, "camt053_sparkasse.xml")

    assert states(statement) == [
        (State.BOOKED, "named_exact"),
        (State.BOOKED, "named_exact"),  # two invoices of one client paid together
        (State.IGNORED, "debit"),
        (State.PROPOSED, "named_partial"),  # number cut by a line break: "2026-00\n45"
        (State.IGNORED, "unrelated"),
    ]
    assert (statement.booked, statement.proposed, statement.ignored) == (2, 1, 2)
    for number in ("2026-0042", "2026-0043", "2026-0044"):
        invoice = refreshed(invoices[number])
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_on == datetime.date(2026, 11, 2 if number == "2026-0042" else 3)
    assert refreshed(invoices["2026-0045"]).status == Invoice.Status.OPEN
    payment = Payment.objects.get(invoice=invoices["2026-0042"])
    assert payment.amount == Decimal("1190.00")
    assert payment.note.startswith("Bank: Acme GmbH – RE 2026-0042")
    booked = Allocation.objects.filter(payment__isnull=False)
    assert booked.count() == 3
    proposal = Allocation.objects.get(payment__isnull=True)
    assert (proposal.invoice, proposal.amount) == (invoices["2026-0045"], Decimal("1000.00"))
    # Learned from the automatic booking: Acme's IBAN (not Initech's: only proposed).
    assert list(KnownAccount.objects.values_list("client__name", "iban")) == [
        ("Acme GmbH", ACME_IBAN)
    ]


def test_it_books_nothing_twice_when_the_same_file_comes_again(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    run(alice, "camt053_sparkasse.xml")
    again = run(alice, "camt053_sparkasse.xml")

    assert (again.duplicates, again.booked, again.proposed, again.ignored) == (5, 0, 0, 0)
    assert Payment.objects.count() == 3
    assert BankEntry.objects.count() == 5


def test_it_books_nothing_twice_from_overlapping_statements_without_references(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    first = run(alice, "camt053_overlap_1.xml")
    second = run(alice, "camt053_overlap_2.xml")

    assert (first.booked, first.ignored) == (2, 2)  # two identical transfers stay two
    assert (second.duplicates, second.booked) == (3, 1)
    assert BankEntry.objects.filter(amount=Decimal("25.00")).count() == 2
    assert Payment.objects.count() == 3
    assert refreshed(invoices["2026-0044"]).status == Invoice.Status.PAID


def test_it_books_nothing_twice_from_mt940_statements_imported_twice(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = run(alice, "mt940_volksbank.sta")
    again = run(alice, "mt940_volksbank.sta")

    assert states(statement) == [
        (State.BOOKED, "named_exact"),
        (State.IGNORED, "debit"),
        (State.BOOKED, "named_exact"),
        (State.IGNORED, "reversal_booked"),
    ]
    assert again.duplicates == 4
    assert Payment.objects.count() == 2


def test_it_books_the_due_amount_of_an_overpayment_and_notes_the_rest(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = import_entries(alice, credit("1200.00", "Rechnung RE-2026-0042"))

    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.BOOKED, "named_overpaid")
    assert entry.excess == Decimal("10.00")
    assert entry.needs_attention
    assert "10,00" in entry.reason_text or "10.00" in entry.reason_text
    invoice = refreshed(invoices["2026-0042"])
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("1190.00"))


def test_it_proposes_a_partial_payment_and_books_it_on_confirmation(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = run(alice, "camt053_sparkasse.xml")
    entry = statement.entries.get(state=State.PROPOSED)

    decisions.entry_book(entry=entry, allocations=decisions.entry_proposal(entry))

    entry.refresh_from_db()
    assert entry.state == State.CONFIRMED
    assert entry.excess == 0
    assert not entry.needs_attention
    invoice = refreshed(invoices["2026-0045"])
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTLY_PAID, Decimal(1000))
    assert KnownAccount.objects.filter(iban=INITECH_IBAN, client__name="Initech Ltd").exists()
    with pytest.raises(decisions.BankingError, match="already decided"):
        decisions.entry_book(entry=entry, allocations=[(invoice, Decimal(1))])
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_it_books_a_known_account_without_invoice_number_when_the_amount_fits_one_invoice(
    alice: Any, invoices: dict[str, Invoice], acme: Client
) -> None:
    KnownAccount.objects.create(owner=alice, client=acme, iban=ACME_IBAN)

    statement = import_entries(
        alice,
        credit("595.00", "Vielen Dank"),
        credit("2975.00", "Sammelzahlung", booked_on=datetime.date(2026, 11, 13)),
    )

    assert states(statement) == [
        (State.BOOKED, "account_exact"),
        # 1,190.00 + 1,785.00: everything Acme still owes after the first booking
        (State.BOOKED, "account_all"),
    ]
    assert Invoice.objects.filter(client=acme, status=Invoice.Status.PAID).count() == 3


def test_it_proposes_what_a_known_account_pays_when_it_is_ambiguous(
    alice: Any, invoices: dict[str, Invoice], acme: Client
) -> None:
    KnownAccount.objects.create(owner=alice, client=acme, iban=ACME_IBAN)
    open_invoice(acme, "2026-0050", "595.00")

    statement = import_entries(
        alice,
        credit("595.00", ""),  # two invoices of 595.00
        credit("100.00", "", booked_on=datetime.date(2026, 11, 14)),  # fits nothing
    )

    assert states(statement) == [
        (State.PROPOSED, "account_same_amount"),
        (State.PROPOSED, "account_oldest"),
    ]
    oldest = statement.entries.get(reason="account_oldest").allocations.get()
    assert (oldest.invoice.number, oldest.amount) == ("2026-0042", Decimal("100.00"))
    assert Payment.objects.count() == 0


def test_it_finds_invoices_that_add_up_to_the_amount(
    alice: Any, invoices: dict[str, Invoice], acme: Client
) -> None:
    KnownAccount.objects.create(owner=alice, client=acme, iban=ACME_IBAN)

    statement = import_entries(alice, credit("2380.00", ""))  # 595.00 + 1,785.00

    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.PROPOSED, "account_subset")
    assert {a.invoice.number for a in entry.allocations.all()} == {"2026-0043", "2026-0044"}


def test_it_proposes_by_payer_name_or_a_unique_amount_and_ignores_the_rest(
    alice: Any, invoices: dict[str, Invoice], initech: Client
) -> None:
    open_invoice(initech, "2026-0047", "99.00")
    open_invoice(initech, "2026-0048", "99.00")

    statement = import_entries(
        alice,
        credit("476.00", "Payment", iban="DE75512108001245126199", name="INITECH LTD."),
        credit("1785.00", "Danke", iban="DE75512108001245126199", name="Herr Mustermann"),
        credit("99.00", "Danke", iban="DE75512108001245126199", name="Herr Mustermann"),
        credit("12.34", "Danke", iban="DE75512108001245126199", name="Herr Mustermann"),
    )

    assert states(statement) == [
        (State.PROPOSED, "name_amount"),
        (State.PROPOSED, "amount_only"),
        (State.IGNORED, "amount_ambiguous"),
        (State.IGNORED, "unrelated"),
    ]


def test_it_asks_when_the_text_names_another_clients_invoice_than_the_account_knows(
    alice: Any, invoices: dict[str, Invoice], initech: Client
) -> None:
    KnownAccount.objects.create(owner=alice, client=initech, iban=ACME_IBAN)

    statement = import_entries(alice, credit("1190.00", "RE 2026-0042"))

    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.PROPOSED, "named_other_account")
    assert "Initech Ltd" in entry.reason_text


def test_it_points_out_a_payment_of_an_invoice_already_paid(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = import_entries(
        alice,
        credit("1190.00", "RE 2026-0042"),
        credit("1190.00", "RE 2026-0042 (Dauerauftrag)", booked_on=datetime.date(2026, 11, 13)),
    )

    assert states(statement) == [
        (State.BOOKED, "named_exact"),
        (State.PROPOSED, "named_paid"),
    ]
    assert statement.entries.get(reason="named_paid").needs_attention
    assert Payment.objects.count() == 1


def test_it_never_matches_another_freelancers_invoices(
    alice: Any, bob: Any, globex: Client, invoices: dict[str, Invoice]
) -> None:
    bobs = open_invoice(globex, "2026-0099", "1234.56")

    statement = import_entries(alice, credit("1234.56", "RE 2026-0099", name="Globex Ltd"))

    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.IGNORED, "unrelated")
    assert refreshed(bobs).status == Invoice.Status.OPEN
    theirs = import_entries(bob, credit("1190.00", "RE 2026-0042"))
    assert theirs.entries.get().reason == "unrelated"
    assert refreshed(invoices["2026-0042"]).status == Invoice.Status.OPEN
    # One key space per freelancer: the same bank booking can be imported by both.
    assert BankEntry.objects.filter(owner=bob).count() == 1


def test_it_answers_a_foreign_currency_statement(alice: Any, invoices: dict[str, Invoice]) -> None:
    statement = run(alice, "camt053_usd.xml")

    named, payout = statement.entries.order_by("position")
    assert (named.state, named.reason) == (State.PROPOSED, "named_currency")
    assert "EUR" in named.reason_text
    assert "USD" in named.reason_text
    assert not named.allocations.exists()
    assert (payout.state, payout.reason) == (State.IGNORED, "foreign_currency")
    assert BankAccount.objects.get(owner=alice).currency == "USD"
    assert Payment.objects.count() == 0


def test_it_books_a_foreign_currency_payment_of_an_invoice_in_that_currency(
    alice: Any, initech: Client
) -> None:
    invoice = open_invoice(initech, "2026-0045", "2600.00", currency="USD")

    run(alice, "camt053_usd.xml")

    assert refreshed(invoice).status == Invoice.Status.PAID


def test_it_points_a_storno_at_the_payment_it_takes_back(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = run(alice, "camt053_storno.xml")

    payment, storno = statement.entries.order_by("position")
    assert payment.state == State.BOOKED
    assert (storno.state, storno.reason) == (State.IGNORED, "reversal_booked")
    assert storno.needs_attention
    assert storno.reason_params["numbers"] == ["2026-0042"]
    assert "2026-0042" in storno.reason_text
    # The payment is not undone by itself: the invoice stays paid and says so on the review list.
    assert refreshed(invoices["2026-0042"]).status == Invoice.Status.PAID
    assert list(BankEntry.objects.to_review()) == [storno]


def test_it_ignores_a_reversal_of_money_never_booked(alice: Any) -> None:
    storno = Entry(
        Decimal("80.00"),
        datetime.date(2026, 11, 12),
        credit=False,
        reversal=True,
        txs=[Tx(name="Someone", iban=ACME_IBAN, remittance=["Rueckbuchung"])],
    )

    statement = import_entries(alice, storno)

    entry = statement.entries.get()
    assert (entry.state, entry.reason, entry.needs_attention) == (
        State.IGNORED,
        "reversal_unbooked",
        False,
    )


def test_it_reads_pending_entries_of_a_camt052_later(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    report = run(alice, "camt052.xml")

    assert (report.entries_read, report.pending, report.booked) == (2, 1, 1)
    assert BankEntry.objects.count() == 1


def test_it_reads_camt054_and_the_structured_creditor_reference(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = run(alice, "camt054.xml")

    assert states(statement) == [(State.BOOKED, "named_exact")]
    assert refreshed(invoices["2026-0044"]).status == Invoice.Status.PAID


def test_it_books_a_batch_booking_transaction_by_transaction(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    statement = run(alice, "camt053_v02.xml")

    assert states(statement) == [
        (State.BOOKED, "named_exact"),
        (State.BOOKED, "named_exact"),
        (State.IGNORED, "unrelated"),
    ]


@pytest.mark.parametrize(
    "name", ["bad_truncated.xml", "bad_namespace.xml", "bad_schema.xml", "bad_mt940_damaged.sta"]
)
def test_it_saves_nothing_from_a_malformed_file(
    alice: Any, invoices: dict[str, Invoice], name: str
) -> None:
    with pytest.raises(services.StatementError):
        run(alice, name)

    assert StatementImport.objects.count() == 0
    assert BankAccount.objects.count() == 0
    assert BankEntry.objects.count() == 0


def test_it_cancels_the_invoices_pending_reminder_in_the_booking_transaction(
    alice: Any, invoices: dict[str, Invoice]
) -> None:
    Invoice.objects.filter(pk=invoices["2026-0042"].pk).update(due_on=datetime.date(2026, 11, 1))
    day = datetime.datetime(2026, 11, 5, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(day, tick=False):
        assert reminders_plan(now=day) >= 1
    reminder = Message.objects.get(reminder_items__invoice=invoices["2026-0042"])
    assert reminder.status in {Message.Status.DRAFT, Message.Status.SCHEDULED}

    run(alice, "camt053_sparkasse.xml")

    reminder.refresh_from_db()
    assert reminder.status == Message.Status.CANCELLED


def changed_after_matching(monkeypatch: pytest.MonkeyPatch, invoice: Invoice, status: str) -> None:
    """Inject the race: ``invoice`` changes (by hand, elsewhere) after the import read it."""
    real = services._matcher

    def matcher_then_change(user: Any) -> Any:
        matcher = real(user)
        Invoice.objects.filter(pk=invoice.pk).update(status=status)
        return matcher

    monkeypatch.setattr(services, "_matcher", matcher_then_change)


def test_it_turns_a_booking_the_invoice_refuses_into_a_proposal(
    alice: Any, invoices: dict[str, Invoice], monkeypatch: pytest.MonkeyPatch
) -> None:
    changed_after_matching(monkeypatch, invoices["2026-0042"], Invoice.Status.PAID)

    statement = import_entries(
        alice, credit("1190.00", "RE 2026-0042"), credit("2380.00", "RE 2026-0043 2026-0044")
    )

    entry, other = statement.entries.order_by("position")
    assert (entry.state, entry.reason) == (State.PROPOSED, "booking_failed")
    assert "open invoice" in entry.reason_text
    assert entry.allocations.get().payment is None
    # The other credit of the statement is booked all the same.
    assert other.state == State.BOOKED
    assert (statement.booked, statement.proposed) == (1, 1)
    assert refreshed(invoices["2026-0043"]).status == Invoice.Status.PAID


def test_it_books_several_invoices_of_one_credit_all_or_none(
    alice: Any, invoices: dict[str, Invoice], monkeypatch: pytest.MonkeyPatch
) -> None:
    changed_after_matching(monkeypatch, invoices["2026-0044"], Invoice.Status.CANCELLED)

    statement = import_entries(alice, credit("2380.00", "RE 2026-0043 und 2026-0044"))

    assert Payment.objects.count() == 0
    assert refreshed(invoices["2026-0043"]).status == Invoice.Status.OPEN
    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.PROPOSED, "booking_failed")
    assert entry.allocations.filter(payment__isnull=True).count() == 2


def test_it_refuses_a_correction_that_pays_more_than_received_or_another_currency(
    alice: Any, invoices: dict[str, Invoice], initech: Client
) -> None:
    statement = import_entries(alice, credit("100.00", "no idea", name="Unknown"))
    entry = statement.entries.get()
    usd = open_invoice(initech, "2026-0061", "100.00", currency="USD")

    with pytest.raises(decisions.BankingError, match="more than the payment"):
        decisions.entry_book(
            entry=entry,
            allocations=[
                (invoices["2026-0042"], Decimal("60.00")),
                (invoices["2026-0043"], Decimal("60.00")),
            ],
        )
    with pytest.raises(decisions.BankingError, match="USD"):
        decisions.entry_book(entry=entry, allocations=[(usd, Decimal("100.00"))])

    booked = decisions.entry_book(entry=entry, allocations=[(invoices["2026-0042"], Decimal(60))])
    assert (booked.state, booked.excess, booked.needs_attention) == (
        State.CONFIRMED,
        Decimal("40.00"),
        True,
    )


def test_it_refuses_another_freelancers_invoice_in_a_correction(
    alice: Any, globex: Client, invoices: dict[str, Invoice]
) -> None:
    entry = import_entries(alice, credit("100.00", "", name="Unknown")).entries.get()
    bobs = open_invoice(globex, "2026-0099", "100.00")

    with pytest.raises(decisions.BankingError, match="your invoices"):
        decisions.entry_book(entry=entry, allocations=[(bobs, Decimal("100.00"))])
    assert refreshed(bobs).status == Invoice.Status.OPEN


def test_it_dismisses_and_acknowledges_entries(alice: Any, invoices: dict[str, Invoice]) -> None:
    statement = run(alice, "camt053_sparkasse.xml")
    proposal = statement.entries.get(state=State.PROPOSED)

    decisions.entry_dismiss(entry=proposal)
    decisions.entry_dismiss(entry=proposal)  # safe twice

    proposal.refresh_from_db()
    assert proposal.state == State.DISMISSED
    assert not proposal.allocations.exists()
    overpaid = import_entries(
        alice, credit("600.00", "RE 2026-0046", iban=INITECH_IBAN, name="Initech")
    ).entries
    note = overpaid.get()
    assert note.needs_attention
    decisions.entry_acknowledge(entry=note)
    assert not BankEntry.objects.to_review().exists()


def test_it_proposes_an_exact_amount_from_an_account_that_paid_for_two_clients(
    alice: Any, invoices: dict[str, Invoice], acme: Client, initech: Client
) -> None:
    KnownAccount.objects.create(owner=alice, client=acme, iban=ACME_IBAN)
    KnownAccount.objects.create(owner=alice, client=initech, iban=ACME_IBAN)

    statement = import_entries(alice, credit("476.00", "Danke"))

    entry = statement.entries.get()
    assert (entry.state, entry.reason) == (State.PROPOSED, "account_exact")
    assert entry.allocations.get().invoice == invoices["2026-0046"]
