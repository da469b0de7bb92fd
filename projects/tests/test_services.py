"""Services: status transitions, revisions, change requests, offers, invoices, payments."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from communications.models import Message
from crm.models import AuditEntry
from projects.models import (
    ChangeRequest,
    Invoice,
    Offer,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)
from projects.selectors.scope import goodwill_by_client, milestone_warnings, revisions_used
from projects.services import ProjectError
from projects.services.change_requests import change_request_accept, change_request_decline
from projects.services.invoices import (
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_issue,
)
from projects.services.offers import (
    offer_create,
    offer_new_version,
    offer_send,
    offer_set_status,
    offers_expire,
)
from projects.services.payments import invoice_mark_paid, invoice_record_payment
from projects.services.project import project_set_status
from projects.services.scope import revision_log, scope_item_move
from timeline.models import Activity

from .factories import (
    ChangeRequestFactory,
    OfferFactory,
    ProjectFactory,
    RevisionFactory,
    ScopeItemFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def test_it_allows_only_the_defined_status_transitions(project: Any, alice: Any) -> None:
    project_set_status(project=project, status="on_hold", actor=alice)
    project_set_status(project=project, status="active", actor=alice)
    project_set_status(project=project, status="delivered", actor=alice)
    project_set_status(project=project, status="closed", actor=alice, today=TODAY)
    project.refresh_from_db()
    assert project.status == "closed"
    assert project.ended_on == TODAY
    with pytest.raises(ProjectError, match="cannot go from"):
        project_set_status(project=project, status="active", actor=alice)
    statuses = AuditEntry.objects.filter(action="status", object_id=str(project.pk))
    assert statuses.count() == 4


def test_it_treats_setting_the_same_status_as_a_no_op(project: Any, alice: Any) -> None:
    project_set_status(project=project, status="active", actor=alice)
    assert not AuditEntry.objects.filter(action="status").exists()


def test_it_refuses_a_lead_going_straight_to_delivered(alice: Any, weber: Any) -> None:
    project = ProjectFactory(owner=alice, client=weber, status=Project.Status.LEAD)
    with pytest.raises(ProjectError):
        project_set_status(project=project, status="delivered", actor=alice)


def test_it_moves_scope_items_within_their_list(project: Any) -> None:
    first, _out = project.scope_items.order_by("position")
    second = ScopeItemFactory(project=project, title="Impressum", position=5)
    scope_item_move(item=second, direction="up", actor=project.owner)
    titles = [i.title for i in ScopeItem.objects.filter(project=project, is_in_scope=True)]
    assert titles == ["Impressum", "Startseite"]
    scope_item_move(
        item=second, direction="up", actor=project.owner
    )  # already first: nothing happens
    assert [i.title for i in ScopeItem.objects.filter(project=project, is_in_scope=True)] == [
        "Impressum",
        "Startseite",
    ]
    assert first.pk


def test_it_requires_billable_or_goodwill_beyond_the_agreed_rounds(project: Any) -> None:
    for _ in range(2):
        revision_log(
            revision=RevisionRound(project=project, requested_on=TODAY, description="x"),
            actor=project.owner,
        )
    with pytest.raises(ProjectError, match="billable or as a goodwill"):
        revision_log(
            revision=RevisionRound(project=project, requested_on=TODAY, description="3rd"),
            actor=project.owner,
        )
    revision_log(
        revision=RevisionRound(
            project=project, requested_on=TODAY, description="3rd", billing="goodwill"
        ),
        actor=project.owner,
    )
    assert revisions_used(project.revisions.all()) == 2
    assert project.revisions.count() == 3


def test_it_sums_goodwill_per_client(alice: Any, bob: Any, project: Any, anna: Any) -> None:
    RevisionFactory(project=project, billing="goodwill")
    RevisionFactory(project=project, billing="goodwill")
    RevisionFactory(project=project, billing="billable")
    RevisionFactory(project=ProjectFactory(owner=alice, client=anna), billing="goodwill")
    RevisionFactory(project=ProjectFactory(owner=bob), billing="goodwill")
    rows = [(c.name, c.goodwill_rounds) for c in goodwill_by_client(user=alice)]
    assert rows == [("Sabine Weber", 2), ("Anna Fischer", 1)]


def test_it_declines_a_change_request_only_with_an_alternative(project: Any) -> None:
    cr = ChangeRequestFactory(project=project)
    with pytest.raises(ProjectError, match="alternative"):
        change_request_decline(change_request=cr, alternative="  ", actor=project.owner)
    cr = change_request_decline(
        change_request=cr, alternative="Gern in Phase 2 im Januar.", actor=project.owner
    )
    assert cr.status == ChangeRequest.Status.DECLINED
    message = Message.objects.get(change_request=cr)
    assert message.kind == "change_declined"
    assert message.status == "draft"
    assert cr.reply_body == message.body_text
    assert cr.reply_subject
    assert Activity.objects.filter(change_request=cr, kind="change_request").exists()
    assert AuditEntry.objects.filter(object_type="projects.changerequest").exists()
    with pytest.raises(ProjectError, match="already been decided"):
        change_request_decline(change_request=cr, alternative="x", actor=project.owner)


def test_it_accepts_a_change_into_scope_and_a_new_offer_version(offer: Any) -> None:
    project = offer.project
    offer_send(offer=offer, actor=project.owner)
    cr = ChangeRequestFactory(project=project, title="Gutschein-Shop")
    change_request_accept(
        change_request=cr,
        price=Decimal("900.00"),
        deadline_impact_days=7,
        amend_offer=True,
        actor=project.owner,
    )
    assert project.scope_items.filter(title="Gutschein-Shop", is_in_scope=True).exists()
    project.refresh_from_db()
    assert project.deadline_on == datetime.date(2026, 12, 25)
    v2 = Offer.objects.get(number=offer.number, version=2)
    assert v2.status == "draft"
    assert list(v2.lines.values_list("description", flat=True)) == [
        "Design",
        "Umsetzung",
        "Gutschein-Shop",
    ]
    assert Message.objects.filter(change_request=cr, kind="change_accepted").exists()


def test_it_numbers_offers_per_freelancer_and_year(project: Any, bob: Any) -> None:
    first = offer_create(project=project, actor=project.owner, today=TODAY)
    second = offer_create(project=project, actor=project.owner, today=TODAY)
    bobs = offer_create(project=ProjectFactory(owner=bob), actor=bob, today=TODAY)
    next_year = offer_create(project=project, actor=project.owner, today=datetime.date(2027, 1, 2))
    assert [first.number, second.number, bobs.number, next_year.number] == [
        "A-2026-001",
        "A-2026-002",
        "A-2026-001",
        "A-2027-001",
    ]


def test_it_prefills_offer_texts_in_the_clients_tone(project: Any) -> None:
    offer = offer_create(project=project, actor=project.owner)
    # The greeting and the closing formula come from the client's tone when the document is
    # built (test_documents), not from the stored text.
    assert offer.intro_text.startswith("vielen Dank für Ihr Interesse.")
    assert "Ihnen" in offer.intro_text
    assert "Sehr geehrte" not in offer.intro_text
    assert "Mit freundlichen Grüßen" not in offer.closing_text
    assert [(line.unit, line.unit_price) for line in offer.lines.all()] == [
        ("pauschal", Decimal("4800.00"))
    ]


def test_it_refuses_to_send_an_offer_without_lines(project: Any) -> None:
    offer = offer_create(project=project, actor=project.owner)
    offer.lines.all().delete()
    with pytest.raises(ProjectError, match="at least one line item"):
        offer_send(offer=offer, actor=project.owner)
    offer.refresh_from_db()
    assert offer.status == "draft"
    assert offer.snapshot is None


def test_it_freezes_a_sent_offer_and_supersedes_it_with_the_next_version(offer: Any) -> None:
    owner = offer.owner
    offer_send(offer=offer, actor=owner)
    offer.refresh_from_db()
    assert offer.status == "sent"
    assert offer.snapshot["totals"]["gross"] == "3034.50"
    assert offer.total_gross == Decimal("3034.50")
    assert offer.project.status == "active"
    assert Message.objects.filter(offer=offer, kind="offer_sent").count() == 1
    with pytest.raises(ProjectError, match="already sent"):
        offer_send(offer=offer, actor=owner)
    v2 = offer_new_version(offer=offer, actor=owner)
    assert (v2.number, v2.version, v2.status) == (offer.number, 2, "draft")
    assert offer_new_version(offer=offer, actor=owner) == v2  # one draft at a time
    offer.refresh_from_db()
    assert offer.status == "sent"  # still valid until v2 goes out
    offer_send(offer=v2, actor=owner)
    offer.refresh_from_db()
    assert offer.status == "superseded"


def test_it_moves_a_lead_to_offered_when_sending(alice: Any, weber: Any) -> None:
    project = ProjectFactory(owner=alice, client=weber, status="lead")
    offer = offer_create(project=project, actor=alice)
    offer_send(offer=offer, actor=alice)
    project.refresh_from_db()
    assert project.status == "offered"
    offer_set_status(offer=offer, status="accepted", actor=alice)
    project.refresh_from_db()
    assert project.status == "active"


def test_it_only_answers_sent_offers(project: Any) -> None:
    offer = offer_create(project=project, actor=project.owner)
    with pytest.raises(ProjectError, match="Only a sent offer"):
        offer_set_status(offer=offer, status="accepted", actor=project.owner)


def test_it_invoices_an_accepted_offer_with_its_lines(offer: Any) -> None:
    with pytest.raises(ProjectError, match="accepted offer"):
        invoice_create(project=offer.project, offer=offer, actor=offer.owner)
    offer_send(offer=offer, actor=offer.owner)
    offer_set_status(offer=offer, status="accepted", actor=offer.owner)
    offer.refresh_from_db()
    invoice = invoice_create(project=offer.project, offer=offer, actor=offer.owner)
    assert [line.description for line in invoice.lines.all()] == ["Design", "Umsetzung"]
    assert invoice.offer == offer
    assert invoice.status == "draft"
    assert invoice.number == ""


def test_it_issues_gap_free_invoice_numbers(project: Any) -> None:
    numbers = []
    for _ in range(3):
        invoice = invoice_create(project=project, actor=project.owner)
        numbers.append(invoice_issue(invoice=invoice, actor=project.owner, today=TODAY).number)
    assert numbers == ["2026-0001", "2026-0002", "2026-0003"]


def test_it_freezes_totals_and_parties_when_issuing(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    assert invoice.status == "open"
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("950.00"),
        Decimal("180.50"),
        Decimal("1130.50"),
    )
    assert invoice.due_on == TODAY + datetime.timedelta(days=14)
    assert invoice.snapshot["seller"]["vat_id"] == "DE123456789"
    assert invoice.snapshot["buyer"]["name"] == "Sabine Weber"
    with pytest.raises(ProjectError, match="already been issued"):
        invoice_issue(invoice=invoice, actor=invoice.owner)


def test_it_refuses_to_issue_an_invoice_without_lines(invoice: Any) -> None:
    invoice.lines.all().delete()
    with pytest.raises(ProjectError, match="at least one line"):
        invoice_issue(invoice=invoice, actor=invoice.owner)
    invoice.refresh_from_db()
    assert invoice.number == ""
    assert invoice.status == "draft"


def test_it_records_partial_and_full_payments(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    invoice_record_payment(invoice=invoice, amount=Decimal("500.00"), paid_on=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == "partly_paid"
    assert invoice.amount_due == Decimal("630.50")
    with pytest.raises(ProjectError, match="more than the amount due"):
        invoice_record_payment(invoice=invoice, amount=Decimal("700"), paid_on=TODAY)
    invoice_record_payment(invoice=invoice, amount=Decimal("630.50"), paid_on=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.paid_on == TODAY
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_it_marks_paid_once_when_called_twice(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    invoice_mark_paid(invoice=invoice, paid_on=TODAY)
    invoice_mark_paid(invoice=invoice, paid_on=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.amount_paid == Decimal("1130.50")
    assert invoice.payments.count() == 1


def test_it_refuses_payments_on_drafts(invoice: Any) -> None:
    with pytest.raises(ProjectError, match="open invoice"):
        invoice_record_payment(invoice=invoice, amount=Decimal(1), paid_on=TODAY)


def test_it_cancels_with_a_cancellation_invoice(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    storno = invoice_cancel(invoice=invoice, actor=invoice.owner, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    assert storno.cancels == invoice
    assert storno.number == "2026-0002"
    assert storno.total_gross == Decimal("-1130.50")
    assert [line.quantity for line in storno.lines.all()] == [Decimal(-10)]
    with pytest.raises(ProjectError, match="already been cancelled"):
        invoice_cancel(invoice=invoice, actor=invoice.owner)


def test_it_never_deletes_an_issued_invoice(invoice: Any) -> None:
    invoice = invoice_issue(invoice=invoice, actor=invoice.owner, today=TODAY)
    with pytest.raises(ProjectError, match="never deleted"):
        invoice_delete(invoice=invoice, actor=invoice.owner)
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_it_deletes_a_draft_invoice(invoice: Any) -> None:
    invoice_delete(invoice=invoice, actor=invoice.owner)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_it_warns_about_milestones_after_the_deadline(project: Any) -> None:
    from .factories import MilestoneFactory

    milestone = MilestoneFactory(project=project, due_on=datetime.date(2027, 1, 10))
    assert "after the project deadline" in milestone_warnings(milestone=milestone)[0]


def test_it_expires_sent_offers_past_their_validity_once(offer: Any) -> None:
    offer_send(offer=offer, actor=offer.owner)
    assert offers_expire(today=offer.valid_until) == 0
    assert offers_expire(today=offer.valid_until + datetime.timedelta(days=1)) == 1
    assert offers_expire(today=offer.valid_until + datetime.timedelta(days=1)) == 0
    offer.refresh_from_db()
    assert offer.status == "expired"


def test_it_lets_the_freelancer_record_a_late_acceptance(alice: Any) -> None:
    """The client said yes by phone after the validity date: the button records it."""
    project = ProjectFactory(owner=alice, status="offered")
    offer = OfferFactory(project=project, status="expired", valid_until=datetime.date(2020, 1, 31))

    accepted = offer_set_status(offer=offer, status="accepted", actor=alice)

    assert accepted.status == "accepted"
    accepted.project.refresh_from_db()
    assert accepted.project.status == "active"
