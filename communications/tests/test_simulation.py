"""A month of real life, as a test (issue 13, part 9).

A hypothesis state machine drives one freelancer's clients, projects, invoices and payments
through random events over simulated weeks: milestones slip, get new forecasts, come back on
track and are finished; invoices are paid in full or in part, cancelled, written; clients are
paused and un-paused; Mahnstopps begin and are lifted; change requests are accepted or declined;
an offer is accepted in the portal; projects are closed; the freelancer moves time zones and
the clock crosses DST switches. Every event goes through the real services. After each step the
real planners (``messages_plan``) and the real dispatcher (``messages_dispatch``, to Django's
locmem mail backend) run at the simulated moment, and the freelancer approves drafts at random.

The invariants (listed in docs/communications.md, "A month of real life") are checked after
every step. The short run is part of the normal suite; ``make simulate`` runs thousands of
steps (``SIMULATION_EXAMPLES``, ``SIMULATION_STEPS``).
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from clients.models import Client
from clients.tests.factories import ClientFactory
from communications import services as comms
from communications.dispatch import messages_dispatch
from communications.invoice_mail import invoice_send
from communications.models import (
    AUTOMATIC_KINDS,
    ROUTINE_KINDS,
    CommunicationSettings,
    Message,
    ReminderItem,
    ReminderPause,
)
from communications.planners import messages_plan
from communications.planners.reminder_upkeep import (
    active_pauses,
    reminder_pause,
    reminder_pause_lift,
)
from communications.rules import rules_for
from crm.templatetags.crm_format import format_money
from portal.models import PortalLink
from portal.services import portal_offer_accept
from projects.models import ChangeRequest, Invoice, Milestone, Offer, Project
from projects.services import ProjectError
from projects.services.change_requests import (
    change_request_accept,
    change_request_decline,
    change_request_log,
)
from projects.services.invoices import invoice_cancel, invoice_create
from projects.services.payments import invoice_mark_paid, invoice_record_payment
from projects.services.project import project_set_status
from projects.services.scope import milestone_update
from projects.tests.factories import InvoiceLineFactory
from tests.factories import make_invoice, make_offer

from .factories import MilestoneFactory, ProjectFactory

# Monday 19.10.2026, 07:00 UTC: the clocks in Europe go back on 25.10, in the US on 1.11.
START = datetime.datetime(2026, 10, 19, 7, 0, tzinfo=datetime.UTC)
TIME_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
# What a status update says when everything is on plan (templates/emails/status_update/*).
ON_PLAN = ("liegen im Plan", "are on schedule", "wie geplant weiter")
PENDING = {
    Message.Status.DRAFT,
    Message.Status.SCHEDULED,
    Message.Status.HELD,
    Message.Status.SENDING,
    Message.Status.FAILED,
}
UNPAID = {Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID}
ENDED = {Project.Status.CLOSED, Project.Status.CANCELLED}
LATE_STATES = {Milestone.State.AT_RISK, Milestone.State.LATE}

EXAMPLES = int(os.environ.get("SIMULATION_EXAMPLES", "6"))
STEPS = int(os.environ.get("SIMULATION_STEPS", "20"))

# What the runs sent, by kind (printed at the end; the short run asserts the engine spoke).
SENT: Counter[str] = Counter()

pick = st.integers(min_value=0, max_value=10_000)


class RealLife(RuleBasedStateMachine):
    """One freelancer, two clients, their projects and invoices, over simulated weeks."""

    owner: Any = None  # set by the test (alice, outside the per-example savepoint)

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.now = START
        self.sent_seen: set[int] = set()
        self.mail_count = len(mail.outbox)
        self.steps = 0
        owner = self.owner
        with self.clock():
            CommunicationSettings.objects.update_or_create(
                owner=owner, defaults={"reminder_mode": "auto", "delay_notice_mode": "draft"}
            )
            self.clients = [
                ClientFactory(
                    owner=owner,
                    name="Acme GmbH",
                    email="info@acme.example",
                    language="de",
                    form_of_address="formal",
                    salutation="Frau Dr. Weber",
                    relationship="regular",
                ),
                ClientFactory(
                    owner=owner,
                    name="Initech",
                    email="bill@initech.example",
                    language="en",
                    form_of_address="informal",
                    salutation="Bill",
                    relationship="new",
                ),
            ]
            today = START.date()
            for client in self.clients:
                project = ProjectFactory(
                    client=client, title=f"Relaunch {client.name}", update_weekday=today.weekday()
                )
                for n, days in enumerate((5, 12, 26)):
                    MilestoneFactory(
                        project=project,
                        title=f"{client.name} step {n + 1}",
                        due_on=today + datetime.timedelta(days=days),
                    )
                offered = ProjectFactory(
                    client=client, title=f"Shop {client.name}", status=Project.Status.OFFERED
                )
                make_offer(offered)
                PortalLink.objects.create(owner=owner, project=offered)
                for due in (-40, -12, -2, 9):
                    make_invoice(
                        project,
                        issued_on=today + datetime.timedelta(days=due - 14),
                        due_on=today + datetime.timedelta(days=due),
                    )
        self.run_engine()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------

    def clock(self) -> Any:
        return time_machine.travel(self.now, tick=False)

    def act(self, action: Any) -> None:
        """Run a freelancer's or client's action at the simulated moment, with its after-commit
        work (a delay notice is planned on commit) run as a real request would."""
        with (
            self.clock(),
            TestCase.captureOnCommitCallbacks(execute=True),
            contextlib.suppress(ProjectError),  # refused, as the page says: nothing changed
        ):
            action()
        self.run_engine()

    def run_engine(self) -> None:
        """What beat does: the planners, then the dispatcher, at the simulated moment."""
        with self.clock(), TestCase.captureOnCommitCallbacks(execute=True):
            messages_plan(now=self.now)
            self.check_sent_now()
            messages_dispatch(now=self.now)
            self.check_sent_now()

    def of(self, model: Any, n: int, **filters: Any) -> Any:
        """The n-th (modulo) of the freelancer's rows of ``model`` matching ``filters``."""
        owner = "project__owner" if model is Milestone else "owner"
        rows = list(model.objects.filter(**{owner: self.owner}, **filters).order_by("pk"))
        return rows[n % len(rows)] if rows else None

    def today(self) -> datetime.date:
        return rules_for(self.owner.pk).local_date(self.now)

    # --- time -----------------------------------------------------------------------------

    @rule(hours=st.integers(min_value=1, max_value=7 * 24))
    def time_passes(self, hours: int) -> None:
        """Hours to a week go by; beat runs along the way (every 6 hours here)."""
        end = self.now + datetime.timedelta(hours=hours)
        while self.now < end:
            self.now = min(end, self.now + datetime.timedelta(hours=6))
            self.run_engine()

    @rule(zone=st.sampled_from(TIME_ZONES))
    def freelancer_moves(self, zone: str) -> None:
        profile = self.owner.profile
        profile.time_zone = zone
        self.act(lambda: profile.save(update_fields=["time_zone"]))

    # --- milestones -----------------------------------------------------------------------

    @rule(n=pick, days=st.integers(min_value=1, max_value=21))
    def milestone_slips(self, n: int, days: int) -> None:
        milestone = self.of(Milestone, n, done_on__isnull=True)
        if milestone is None:
            return
        milestone.forecast_on = max(milestone.due_on, milestone.forecast_on or milestone.due_on)
        milestone.forecast_on += datetime.timedelta(days=days)
        milestone.delay_reason = "Die Zahlungsanbindung braucht eine zweite Testrunde"
        self.act(lambda: milestone_update(milestone=milestone, actor=self.owner))

    @rule(n=pick)
    def milestone_back_on_track(self, n: int) -> None:
        milestone = self.of(Milestone, n, done_on__isnull=True, forecast_on__isnull=False)
        if milestone is None:
            return
        milestone.forecast_on = None
        self.act(lambda: milestone_update(milestone=milestone, actor=self.owner))

    @rule(n=pick)
    def milestone_done(self, n: int) -> None:
        milestone = self.of(Milestone, n, done_on__isnull=True)
        if milestone is None:
            return
        milestone.done_on = self.today()
        self.act(lambda: milestone_update(milestone=milestone, actor=self.owner))

    # --- money ----------------------------------------------------------------------------

    @rule(n=pick, full=st.booleans())
    def client_pays(self, n: int, full: bool) -> None:
        invoice = self.of(Invoice, n, status__in=UNPAID)
        if invoice is None:
            return
        if full:
            self.act(lambda: invoice_mark_paid(invoice=invoice, paid_on=self.today()))
        else:
            part = (invoice.amount_due / 2).quantize(Decimal("0.01"))
            self.act(
                lambda: invoice_record_payment(invoice=invoice, amount=part, paid_on=self.today())
            )

    @rule(n=pick, due_in=st.integers(min_value=-60, max_value=14))
    def invoice_written(self, n: int, due_in: int) -> None:
        project = self.of(Project, n, status=Project.Status.ACTIVE)
        if project is None:
            return
        today = self.today()
        self.act(
            lambda: make_invoice(
                project,
                issued_on=today + datetime.timedelta(days=due_in - 14),
                due_on=today + datetime.timedelta(days=due_in),
            )
        )

    @rule(n=pick)
    def invoice_issued_and_sent(self, n: int) -> None:
        """A real invoice: created, issued and its mail drafted ("issue and send")."""
        project = self.of(Project, n, status=Project.Status.ACTIVE)
        if project is None:
            return

        def issue() -> None:
            invoice = invoice_create(project=project, actor=self.owner)
            invoice.lines.all().delete()
            InvoiceLineFactory(invoice=invoice, description="Design", quantity=4, unit_price="95")
            invoice_send(invoice=invoice, actor=self.owner)

        self.act(issue)

    @rule(n=pick)
    def invoice_cancelled(self, n: int) -> None:
        """Cancel an issued invoice (one with lines: its cancellation is a real document)."""
        invoice = self.of(Invoice, n, status__in=UNPAID, lines__isnull=False)
        if invoice is not None:
            self.act(lambda: invoice_cancel(invoice=invoice, actor=self.owner))

    @rule(n=pick, on_invoice=st.booleans(), days=st.none() | st.integers(0, 30))
    def mahnstopp(self, n: int, on_invoice: bool, days: int | None) -> None:
        until = None if days is None else self.today() + datetime.timedelta(days=days)
        if on_invoice:
            invoice = self.of(Invoice, n, status__in=UNPAID)
            if invoice is not None:
                self.act(
                    lambda: reminder_pause(reason="Reklamation", invoice=invoice, until_on=until)
                )
        else:
            client = self.clients[n % 2]
            self.act(lambda: reminder_pause(reason="Urlaub", client=client, until_on=until))

    @rule(n=pick)
    def mahnstopp_lifted(self, n: int) -> None:
        pause = self.of(ReminderPause, n, lifted_at__isnull=True)
        if pause is not None:
            self.act(lambda: reminder_pause_lift(pause=pause))

    # --- clients --------------------------------------------------------------------------

    @rule(n=pick, paused=st.booleans())
    def client_status(self, n: int, paused: bool) -> None:
        """Pause or un-pause a client through the client form, as the freelancer does."""
        from django.test import Client as Browser

        from clients.tests.test_views_client import valid_form

        client = Client.objects.get(pk=self.clients[n % 2].pk)
        browser = Browser()
        browser.force_login(self.owner)
        form = valid_form(
            status="paused" if paused else "active",
            name=client.name,
            email=client.email,
            language=client.language,
            form_of_address=client.form_of_address,
            salutation=client.salutation,
            relationship=client.relationship,
            tag_names="",
            **{"contacts-TOTAL_FORMS": "0"},
        )
        url = f"/clients/{client.pk}/edit/"

        def post() -> None:
            response = browser.post(url, form)
            assert response.status_code == 302, response.content[:2000]

        self.act(post)

    @rule(n=pick)
    def held_message_released(self, n: int) -> None:
        """After a pause, the freelancer releases (or discards) what was held, one by one."""
        message = self.of(Message, n, status=Message.Status.HELD)
        if message is None or message.client.status == Client.Status.PAUSED:
            return
        if n % 3 == 0:
            self.act(lambda: comms.message_cancel(message=message))
        else:
            self.act(lambda: comms.message_release(message=message))

    # --- projects -------------------------------------------------------------------------

    @rule(n=pick, accept=st.booleans(), days=st.integers(0, 10))
    def change_request(self, n: int, accept: bool, days: int) -> None:
        project = self.of(Project, n, status=Project.Status.ACTIVE)
        if project is None:
            return

        def decide() -> None:
            change = change_request_log(
                change_request=ChangeRequest(
                    project=project,
                    title="Newsletter-Anmeldung",
                    description="Ein Formular im Footer",
                    requested_on=self.today(),
                ),
                actor=self.owner,
            )
            if accept:
                change_request_accept(
                    change_request=change,
                    price=Decimal("480.00"),
                    deadline_impact_days=days,
                    amend_offer=False,
                    actor=self.owner,
                )
            else:
                change_request_decline(
                    change_request=change, alternative="In Phase 2", actor=self.owner
                )

        self.act(decide)

    @rule(n=pick)
    def offer_accepted_in_portal(self, n: int) -> None:
        offer = self.of(Offer, n, status=Offer.Status.SENT)
        if offer is None:
            return
        link = PortalLink.objects.get(project=offer.project)
        self.act(
            lambda: portal_offer_accept(
                link=link,
                offer_id=offer.pk,
                version=offer.version,
                name="Dr. Weber",
                ip="127.0.0.1",
                now=self.now,
            )
        )

    @rule(n=pick)
    def project_closed(self, n: int) -> None:
        project = self.of(Project, n, status=Project.Status.ACTIVE)
        if project is None:
            return

        def close() -> None:
            project_set_status(project=project, status=Project.Status.DELIVERED, actor=self.owner)
            project_set_status(project=project, status=Project.Status.CLOSED, actor=self.owner)

        self.act(close)

    # --- the freelancer at the outbox -----------------------------------------------------

    @rule(n=pick)
    def draft_approved(self, n: int) -> None:
        draft = self.of(Message, n, status=Message.Status.DRAFT)
        if draft is not None:
            self.act(lambda: comms.message_approve(message=draft))

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def reminder_levels_follow_what_was_sent(self) -> None:
        items = ReminderItem.objects.filter(message__owner=self.owner).exclude(
            message__status=Message.Status.CANCELLED
        )
        sent = {
            (item.invoice_id, item.level): item.message.sent_at
            for item in items.select_related("message")
            if item.message.status == Message.Status.SENT
        }
        for item in items.select_related("message"):
            if item.level == 1:
                continue
            lower = sent.get((item.invoice_id, item.level - 1))
            assert lower is not None, f"level {item.level} for invoice {item.invoice_id} first"
            if item.message.sent_at is not None:
                assert lower < item.message.sent_at

    @invariant()
    def no_reminder_pending_for_paid_or_stopped_invoices(self) -> None:
        today = self.today()
        paused_clients = set(
            active_pauses(today).filter(client__isnull=False).values_list("client_id", flat=True)
        )
        paused_invoices = set(
            active_pauses(today).filter(invoice__isnull=False).values_list("invoice_id", flat=True)
        )
        items = ReminderItem.objects.filter(
            message__owner=self.owner, message__status__in=PENDING
        ).select_related("invoice")
        for item in items:
            assert item.invoice.status in UNPAID, (item.invoice.number, item.invoice.status)
            assert item.invoice_id not in paused_invoices, item.invoice.number
            assert item.invoice.client_id not in paused_clients, item.invoice.number

    @invariant()
    def nothing_automatic_waits_for_a_paused_client(self) -> None:
        waiting = Message.objects.filter(
            owner=self.owner,
            client__status=Client.Status.PAUSED,
            kind__in=AUTOMATIC_KINDS,
            status__in=[Message.Status.DRAFT, Message.Status.SCHEDULED, Message.Status.SENDING],
        )
        assert not waiting.exists(), list(waiting.values("kind", "status"))

    @invariant()
    def one_open_delay_notice_per_milestone(self) -> None:
        open_ids = list(
            Message.objects.filter(
                owner=self.owner, kind=Message.Kind.DELAY_NOTICE, status__in=PENDING
            ).values_list("milestone_id", flat=True)
        )
        assert len(open_ids) == len(set(open_ids)), open_ids

    @invariant()
    def nothing_for_an_ended_project_but_the_wrap_up(self) -> None:
        waiting = Message.objects.filter(
            owner=self.owner,
            project__status__in=ENDED,
            kind__in=[Message.Kind.STATUS_UPDATE, Message.Kind.DELAY_NOTICE],
            status__in=PENDING,
        )
        assert not waiting.exists(), list(waiting.values("kind", "status"))

    @invariant()
    def routine_messages_keep_the_minimum_gap(self) -> None:
        sent = Message.objects.filter(
            owner=self.owner, kind__in=ROUTINE_KINDS, status=Message.Status.SENT
        ).order_by("client_id", "kind", "send_after")
        last: dict[tuple[int, str], datetime.datetime] = {}
        for message in sent:
            gap = datetime.timedelta(days=rules_for(self.owner.pk, message.client_id).min_gap_days)
            key = (message.client_id, message.kind)
            if key in last:
                assert message.send_after - last[key] >= gap, (message.kind, message.send_after)
            last[key] = message.send_after

    def check_sent_now(self) -> None:
        """Each message sent in this step says what is true at this moment."""
        new = list(
            Message.objects.filter(owner=self.owner, status=Message.Status.SENT)
            .exclude(pk__in=self.sent_seen)
            .select_related("client", "project", "milestone", "invoice")
        )
        today = self.today()
        for message in new:
            self.sent_seen.add(message.pk)
            SENT[message.kind] += 1
            assert message.sent_at is not None
            if message.kind in AUTOMATIC_KINDS:
                assert message.client.status != Client.Status.PAUSED, message.kind
            if message.kind in {Message.Kind.STATUS_UPDATE, Message.Kind.DELAY_NOTICE}:
                assert message.project.status not in ENDED, message.kind
            if message.kind.startswith("reminder_"):
                self.check_reminder(message, today)
            if message.kind == Message.Kind.STATUS_UPDATE:
                self.check_status_update(message, today)
            if message.kind == Message.Kind.INVOICE_SENT:
                assert message.invoice.status != Invoice.Status.CANCELLED, message.invoice.number
                assert message.invoice.number in message.body_text
            if message.kind == Message.Kind.DELAY_NOTICE:
                # Late by a forecast, or by a due date that passed (the date is to follow).
                milestone = message.milestone
                assert milestone.state_on(today) in LATE_STATES, milestone.state_on(today)
        self.mail_count += len(new)
        assert len(mail.outbox) == self.mail_count

    def check_reminder(self, message: Message, today: datetime.date) -> None:
        stopped = set(active_pauses(today).values_list("client_id", "invoice_id"))
        items = list(message.reminder_items.select_related("invoice"))
        assert items, "a reminder lists its invoices"
        language = message.client.language
        total = Decimal(0)
        for item in items:
            invoice = item.invoice
            assert invoice.status in UNPAID, (invoice.number, invoice.status)
            assert (None, invoice.pk) not in stopped
            assert (invoice.client_id, None) not in stopped
            assert item.amount_due == invoice.amount_due, invoice.number
            assert invoice.number in message.body_text
            total += invoice.amount_due
        assert format_money(total, "EUR", language) in message.body_text, message.body_text

    def check_status_update(self, message: Message, today: datetime.date) -> None:
        late = [
            milestone
            for milestone in Milestone.objects.filter(project=message.project, done_on__isnull=True)
            if milestone.state_on(today) in LATE_STATES
        ]
        for milestone in late:
            assert milestone.title in message.body_text, (milestone.title, message.body_text)
        if late:
            assert not any(phrase in message.body_text for phrase in ON_PLAN), message.body_text


@pytest.mark.postgres
def test_a_month_of_real_life(alice: Any, mailoutbox: list[Any]) -> None:
    """The short run in ``make test``; ``make simulate`` runs the long one."""
    RealLife.owner = alice
    SENT.clear()
    run_state_machine_as_test(
        RealLife,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=not os.environ.get("SIMULATION_SEED_RANDOM"),
            database=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(f"simulation: {EXAMPLES} examples x {STEPS} steps, sent {dict(SENT)}")
    # Not a vacuous run: reminders and status updates really went out and were checked.
    assert SENT[Message.Kind.REMINDER_1] > 0
    assert SENT[Message.Kind.STATUS_UPDATE] > 0
