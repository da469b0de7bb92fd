"""The dashboard: sections, figures, charts, constant query count, drafts decided in place."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import Message
from crm import freshness
from crm.testing import assert_login_required, assert_owner_only
from dashboard.charts import bar_chart, column_chart
from dashboard.selectors import SECTION_SIZE, income_by_month
from tests.factories import make_client, make_everything, make_message

URL = "/"


def test_it_sends_anonymous_visitors_to_log_in(anon_client: Any) -> None:
    assert_login_required(anon_client.get(URL), URL)


def test_it_shows_an_empty_day(alice_client: Any) -> None:
    response = alice_client.get(URL)
    assert response.status_code == 200
    assert b"Nothing to approve." in response.content
    assert b"Every milestone is on track." in response.content


def test_it_shows_every_section_with_real_items(alice_client: Any, alice: Any) -> None:
    rows = make_everything(alice)
    response = alice_client.get(URL)
    text = response.content.decode()
    context = response.context
    assert [m.state for m in context["milestones"]] == ["late", "at_risk"]
    [invoice] = context["invoices"]
    assert invoice.reminder_level == 2
    assert "Reminder level 2" in text
    assert [p.pk for p in context["revisions_used_up"]] == [rows["project"].pk]
    assert len(context["change_requests"]) == 1
    [offer] = context["offers"]
    assert offer.is_expiring
    assert "expires in 3 days" in text
    assert len(context["acceptances"]) == 1
    assert "signed by Anna Weber" in text
    assert [c.pk for c in context["quiet_clients"]] == [rows["client"].pk]
    assert len(context["drafts"]) == 1
    assert len(context["outgoing"]) == 1
    assert [(row["currency"], row["outstanding"]) for row in context["figures"]] == [
        ("EUR", Decimal("119.00"))
    ]
    [income] = context["income_charts"]
    assert (income["currency"], income["chart"][-1]["value"]) == ("EUR", Decimal("119.00"))
    assert "€119.00" in text
    assert 'class="chart-bar"' in text
    assert context["goodwill_chart"][0]["value"] == 1
    assert 'style="' not in text


def test_it_formats_amounts_in_german(alice_client: Any, alice: Any) -> None:
    alice.profile.language = "de"
    alice.profile.save()
    make_everything(alice)
    text = alice_client.get(URL).content.decode()
    assert "119,00\u00a0€" in text


def test_it_shows_nothing_of_another_freelancer(bob_client: Any, alice: Any) -> None:
    make_everything(alice)
    response = bob_client.get(URL)
    for key in ("drafts", "milestones", "invoices", "offers", "acceptances", "quiet_clients"):
        assert len(response.context[key]) == 0, key
    assert response.context["figures"] == []


def test_it_does_not_count_a_recently_contacted_client_as_quiet(
    alice_client: Any, alice: Any
) -> None:
    rows = make_everything(alice)
    make_message(rows["client"])  # created now
    assert len(alice_client.get(URL).context["quiet_clients"]) == 0


def test_it_loads_the_quick_note_form_after_the_page(alice_client: Any) -> None:
    text = alice_client.get(URL).content.decode()
    assert f'data-hx-get="{reverse("clients:note_quick_add")}"' in text


def test_it_caps_each_section_and_links_to_all(alice_client: Any, alice: Any) -> None:
    acme = make_client(alice)
    for _index in range(SECTION_SIZE + 2):
        make_message(acme)
    response = alice_client.get(URL)
    assert len(response.context["drafts"]) == SECTION_SIZE
    assert response.context["drafts"].has_more
    assert b"?status=draft" in response.content


@pytest.mark.postgres
def test_it_runs_the_same_number_of_queries_whatever_the_data_size(
    alice_client: Any, alice: Any, django_assert_num_queries: Any
) -> None:
    make_everything(alice, size=1)
    alice_client.get(URL)
    # Unchanged data comes from the cache: session, user and profile only.
    with django_assert_num_queries(3):
        alice_client.get(URL)
    # Session, user, profile, and one query per section or figure ("Replies to read": two;
    # time budgets: two; paused clients: one).
    expected = 20
    freshness.owners_touch([alice.pk])
    with django_assert_num_queries(expected):
        alice_client.get(URL)
    make_everything(alice, size=12)  # new data: a new generation, computed afresh
    with django_assert_num_queries(expected):
        response = alice_client.get(URL)
    assert len(response.context["milestones"]) == SECTION_SIZE


def test_it_approves_a_draft_in_place(alice: Any, bob: Any) -> None:
    draft = make_message(make_client(alice))
    response = assert_owner_only(
        URL,
        owner=alice,
        other=bob,
        method="post",
        data={"message": draft.pk, "action": "approve"},
        headers={"HX-Request": "true"},
    )
    draft.refresh_from_db()
    assert draft.status == Message.Status.SCHEDULED
    assert b"Approved. Goes out" in response.content  # when, and why then
    assert b"<html" not in response.content


def test_it_cancels_a_draft_in_place(alice_client: Any, alice: Any) -> None:
    draft = make_message(make_client(alice))
    response = alice_client.post(
        URL, {"message": draft.pk, "action": "cancel"}, headers={"HX-Request": "true"}
    )
    draft.refresh_from_db()
    assert draft.status == Message.Status.CANCELLED
    assert b"Cancelled: it will not be sent" in response.content


def test_it_does_not_cancel_an_approved_message(alice_client: Any, alice: Any) -> None:
    message = make_message(
        make_client(alice), status=Message.Status.SCHEDULED, send_after=timezone.now()
    )
    alice_client.post(URL, {"message": message.pk, "action": "cancel"})
    message.refresh_from_db()
    assert message.status == Message.Status.SCHEDULED


def test_it_redirects_without_htmx(alice_client: Any, alice: Any) -> None:
    draft = make_message(make_client(alice))
    response = alice_client.post(URL, {"message": draft.pk, "action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


@pytest.mark.parametrize(
    "data",
    [
        {"message": "abc", "action": "approve"},
        {"message": "1", "action": "delete"},
        {"message": "9" * 40, "action": "approve"},
        {},
    ],
)
def test_it_answers_bad_input_with_400(alice_client: Any, data: dict[str, str]) -> None:
    assert alice_client.post(URL, data).status_code == 400


def test_it_answers_a_missing_draft_with_404(alice_client: Any) -> None:
    assert alice_client.post(URL, {"message": "999999", "action": "approve"}).status_code == 404


def test_it_sums_income_per_month_for_twelve_months(alice: Any) -> None:
    from projects.models import Invoice, Payment
    from tests.factories import make_invoice, make_project

    invoice = make_invoice(make_project(make_client(alice)), status=Invoice.Status.PAID)
    today = datetime.date(2026, 11, 23)
    Payment.objects.create(invoice=invoice, paid_on=datetime.date(2026, 11, 2), amount=10)
    Payment.objects.create(invoice=invoice, paid_on=datetime.date(2026, 11, 20), amount=5)
    Payment.objects.create(invoice=invoice, paid_on=datetime.date(2025, 12, 1), amount=7)
    Payment.objects.create(invoice=invoice, paid_on=datetime.date(2025, 11, 30), amount=99)
    [(currency, months)] = income_by_month(user=alice, today=today).items()
    assert currency == "EUR"
    assert len(months) == 12
    assert months[0] == {"month": datetime.date(2025, 12, 1), "total": Decimal(7)}
    assert months[-1] == {"month": datetime.date(2026, 11, 1), "total": Decimal(15)}


def test_it_scales_chart_bars_to_the_largest_value() -> None:
    bars = column_chart([Decimal(0), Decimal(50), Decimal(100)], ["a", "b", "c"])
    assert bars[0]["height"] == 0
    assert bars[2]["height"] == 2 * bars[1]["height"]
    rows = bar_chart([4, 2], ["x", "y"])
    assert rows[0]["width"] > rows[1]["width"]
    assert column_chart([], []) == []


def test_it_never_adds_euros_and_dollars(alice_client: Any, alice: Any) -> None:
    from projects.models import Payment
    from tests.factories import make_invoice, make_project

    today = timezone.localdate()
    client = make_client(alice)
    euros = make_invoice(
        make_project(client),
        total_gross=Decimal("1000.00"),
        due_on=today + datetime.timedelta(days=10),
    )
    dollars = make_invoice(
        make_project(client, currency="USD"),
        currency="USD",
        total_gross=Decimal("500.00"),
        due_on=today - datetime.timedelta(days=3),
    )
    Payment.objects.create(invoice=euros, paid_on=today, amount=Decimal("100.00"))
    Payment.objects.create(invoice=dollars, paid_on=today, amount=Decimal("50.00"))
    response = alice_client.get(URL)
    figures = {row["currency"]: row for row in response.context["figures"]}
    assert figures["EUR"]["outstanding"] == Decimal("1000.00")
    assert figures["USD"]["outstanding"] == Decimal("500.00")
    assert figures["USD"]["overdue"] == Decimal("500.00")
    assert figures["EUR"]["overdue"] == Decimal("0.00")
    totals = {row["currency"]: row["total"] for row in response.context["income_charts"]}
    assert totals == {"EUR": Decimal("100.00"), "USD": Decimal("50.00")}
    text = response.content.decode()
    assert "€1,000.00" in text
    assert "$500.00" in text
    assert "1,500.00" not in text
    assert "150.00" not in text
