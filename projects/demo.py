"""Demo data for the projects app: projects in every status with scope, milestones (some at
risk, some late), revisions (with goodwill), change requests, offers in every status (sent ones
frozen) and issued invoices (open, overdue, partly paid, paid, cancelled). Bulk inserts only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm.demo import DemoContext

from . import documents
from .models import (
    ChangeRequest,
    Invoice,
    InvoiceLine,
    Milestone,
    NumberSequence,
    Offer,
    OfferLine,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)

Status = Project.Status
DAY = datetime.timedelta(days=1)

TITLES_DE = [
    "Website-Relaunch",
    "Logo und Geschäftsausstattung",
    "Onlineshop für Gutscheine",
    "Newsletter-Vorlagen",
    "Texte für die neue Produktseite",
    "Jahresbericht 2026 (Layout)",
    "Fotoshooting Team",
    "Barrierefreiheits-Check",
]
TITLES_EN = [
    "Website redesign",
    "Brand identity refresh",
    "Landing page copy",
    "Email newsletter templates",
    "Annual report layout",
    "Accessibility audit",
]
SCOPE_DE = [
    ("Startseite mit Hero-Bereich", "Responsiv, zwei Entwurfsvarianten", "Freigabe per E-Mail"),
    ("Fünf Unterseiten", "Leistungen, Über uns, Team, Kontakt, Impressum", "Inhalte eingepflegt"),
    ("Kontaktformular", "Mit Spam-Schutz, Versand an Ihre Adresse", "Testnachricht kommt an"),
    ("Einweisung ins CMS", "60 Minuten per Video", "Termin hat stattgefunden"),
]
SCOPE_EN = [
    ("Home page", "Responsive, two design options", "Approved by e-mail"),
    ("Five content pages", "Services, about, team, contact, legal", "Content in place"),
    ("Contact form", "With spam protection", "Test message arrives"),
    ("CMS training", "60 minutes by video call", "Session held"),
]
OUT_DE = ["Texterstellung", "Suchmaschinen-Optimierung", "Hosting und Wartung"]
OUT_EN = ["Copywriting", "Search engine optimisation", "Hosting and maintenance"]
MILESTONES_DE = ["Entwurf", "Umsetzung", "Go-live"]
MILESTONES_EN = ["Design", "Build", "Launch"]
CHANGES = [
    ("Mehrsprachigkeit", "Könnten wir die Seite auch auf Englisch anbieten?"),
    ("Blog", "Wir hätten gern noch einen Blog mit Kategorien."),
    ("Newsletter-Anmeldung", "Bitte noch ein Newsletter-Formular im Footer."),
]
# Status mix: every status appears; most projects are active.
STATUS_CYCLE = [
    Status.ACTIVE,
    Status.ACTIVE,
    Status.LEAD,
    Status.OFFERED,
    Status.ACTIVE,
    Status.ON_HOLD,
    Status.DELIVERED,
    Status.CLOSED,
    Status.CLOSED,
    Status.CANCELLED,
]


def wipe(user: Any) -> None:
    """Delete the demo user's projects, offers, invoices and number sequences."""
    Payment.objects.filter(invoice__owner=user).delete()
    # Cancellation invoices protect the invoices they cancel: delete them first.
    Invoice.objects.filter(owner=user, cancels__isnull=False).delete()
    Invoice.objects.filter(owner=user).delete()
    Offer.objects.filter(owner=user).delete()
    ChangeRequest.objects.filter(owner=user).delete()
    Project.objects.filter(owner=user).delete()
    NumberSequence.objects.filter(owner=user).delete()


def seed(context: DemoContext) -> None:
    """Create projects and everything around them for ``context.shared["clients"]``."""
    rng = context.rng
    user = context.user
    today = context.today
    clients = context.shared.get("clients", [])
    # About two of three clients have a project; the first dozen always do.
    chosen = [c for i, c in enumerate(clients) if i < 12 or rng.random() < 0.6]
    profile = user.profile_or_default
    exempt = profile.is_small_business
    projects: list[Project] = []
    for index, client in enumerate(chosen):
        german = client.language == "de"
        titles = TITLES_DE if german else TITLES_EN
        status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        start = today + datetime.timedelta(days=rng.randint(-120, 10))
        if status in {Status.DELIVERED, Status.CLOSED}:
            start = today - datetime.timedelta(days=rng.randint(60, 200))
        hourly = index % 4 == 3
        projects.append(
            Project(
                owner=user,
                client=client,
                title=titles[index % len(titles)],
                description=(
                    "Neuer Auftritt, klarer und schneller; Inhalte liefert der Kunde."
                    if german
                    else "A clearer, faster site; the client supplies the content."
                ),
                status=status,
                start_on=start,
                deadline_on=start + datetime.timedelta(days=rng.choice([30, 45, 60, 90])),
                pricing=Project.Pricing.HOURLY if hourly else Project.Pricing.FIXED,
                fixed_price=None if hourly else Decimal(rng.choice([1800, 2400, 4800, 7500])),
                hourly_rate=Decimal(rng.choice([75, 85, 95])) if hourly else None,
                estimated_hours=Decimal(rng.choice([20, 32, 40])) if hourly else None,
                currency="EUR",
                vat_rate=Decimal(0) if exempt else Decimal("19.00"),
                is_vat_exempt=exempt,
                payment_terms_days=client.payment_terms_days,
                update_cadence=rng.choice(["weekly", "weekly", "biweekly", "monthly", "none"]),
                update_weekday=rng.choice([0, 4, 4]),
                revisions_agreed=rng.choice([2, 2, 3]),
                ended_on=(
                    today - datetime.timedelta(days=rng.randint(1, 30))
                    if status in {Status.CLOSED, Status.CANCELLED}
                    else None
                ),
            )
        )
    Project.objects.bulk_create(projects, batch_size=1000)

    scope_items: list[ScopeItem] = []
    milestones: list[Milestone] = []
    revisions: list[RevisionRound] = []
    changes: list[ChangeRequest] = []
    scope_by_project: dict[int, list[ScopeItem]] = {}
    milestones_by_project: dict[int, list[Milestone]] = {}
    for index, project in enumerate(projects):
        german = project.client.language == "de"
        items = []
        for position, (title, description, criteria) in enumerate(
            (SCOPE_DE if german else SCOPE_EN)[: rng.randint(3, 4)], start=1
        ):
            items.append(
                ScopeItem(
                    project=project,
                    title=title,
                    description=description,
                    acceptance_criteria=criteria,
                    position=position,
                )
            )
        out = OUT_DE if german else OUT_EN
        items.append(
            ScopeItem(project=project, is_in_scope=False, title=out[index % len(out)], position=9)
        )
        scope_items.extend(items)
        scope_by_project[project.pk] = items
        names = MILESTONES_DE if german else MILESTONES_EN
        span = (project.deadline_on - project.start_on).days
        project_milestones = []
        for number, name in enumerate(names, start=1):
            due = project.start_on + datetime.timedelta(days=span * number // len(names))
            milestone = Milestone(project=project, title=name, due_on=due, position=number)
            finished = project.status in {Status.DELIVERED, Status.CLOSED}
            if finished or due < today - datetime.timedelta(days=7):
                milestone.done_on = min(due, today)
            if project.status == Status.ACTIVE and not milestone.done_on:
                roll = rng.random()
                if roll < 0.2 and due >= today:
                    # At risk: the forecast slipped past the due date.
                    milestone.forecast_on = due + datetime.timedelta(days=rng.randint(3, 14))
                    milestone.delay_reason = (
                        "Inhalte kamen später als geplant."
                        if german
                        else "Content arrived later than planned."
                    )
                elif roll < 0.3:
                    # Late: the due date passed without it being done.
                    milestone.due_on = today - datetime.timedelta(days=rng.randint(1, 10))
            project_milestones.append(milestone)
        milestones.extend(project_milestones)
        milestones_by_project[project.pk] = project_milestones
        if project.status in {Status.ACTIVE, Status.DELIVERED, Status.CLOSED}:
            rounds = rng.randint(0, project.revisions_agreed + 1)
            for number in range(rounds):
                billing = RevisionRound.Billing.INCLUDED
                if number >= project.revisions_agreed:
                    billing = rng.choice(
                        [RevisionRound.Billing.GOODWILL, RevisionRound.Billing.BILLABLE]
                    )
                revisions.append(
                    RevisionRound(
                        project=project,
                        requested_on=project.start_on + datetime.timedelta(days=10 + 7 * number),
                        description=(
                            "Farben anpassen, Überschrift kürzen"
                            if german
                            else "Adjust colours, shorten headline"
                        ),
                        billing=billing,
                    )
                )
        if project.status in {Status.ACTIVE, Status.ON_HOLD, Status.DELIVERED} and index % 3 == 0:
            title, description = CHANGES[index % len(CHANGES)]
            decision = index % 9
            change = ChangeRequest(
                owner=user,
                project=project,
                title=title,
                description=description,
                requested_on=today - datetime.timedelta(days=rng.randint(1, 20)),
            )
            if decision == 3:
                change.status = ChangeRequest.Status.ACCEPTED
                change.price = Decimal(600)
                change.deadline_impact_days = 7
                change.decided_at = context.now
            elif decision == 6:
                change.status = ChangeRequest.Status.DECLINED
                change.alternative = (
                    "Gern als eigenes Folgeprojekt im neuen Jahr."
                    if german
                    else "Happy to do this as a follow-up project in the new year."
                )
                change.decided_at = context.now
            changes.append(change)
    ScopeItem.objects.bulk_create(scope_items, batch_size=2000)
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    RevisionRound.objects.bulk_create(revisions, batch_size=2000)
    ChangeRequest.objects.bulk_create(changes, batch_size=1000)

    seller = documents.seller_data(user)
    offers, offer_lines = _offers(
        context, projects, scope_by_project, milestones_by_project, seller
    )
    invoices = _invoices(context, projects, offers, offer_lines, seller)

    _recent_acceptances(context, offers)

    context.shared["projects"] = projects
    context.shared["milestones"] = milestones
    context.shared["offers"] = offers
    context.shared["invoices"] = invoices
    context.shared["change_requests"] = changes
    context.count("projects", len(projects))
    context.count("milestones", len(milestones))
    context.count("offers", len(offers))
    context.count("invoices", len(invoices))


def _line(project: Project) -> dict[str, Any]:
    german = project.client.language == "de"
    if project.pricing == Project.Pricing.HOURLY:
        return {
            "description": project.title,
            "quantity": project.estimated_hours,
            "unit": "Std." if german else "hours",
            "unit_price": project.hourly_rate,
            "vat_rate": project.vat_rate,
        }
    return {
        "description": project.title,
        "quantity": Decimal(1),
        "unit": "pauschal" if german else "flat",
        "unit_price": project.fixed_price,
        "vat_rate": project.vat_rate,
    }


def _offers(
    context: DemoContext,
    projects: list[Project],
    scope_by_project: dict[int, list[ScopeItem]],
    milestones_by_project: dict[int, list[Milestone]],
    seller: dict[str, Any],
) -> tuple[list[Offer], dict[int, list[OfferLine]]]:
    """Create one offer per project (two versions for some), numbered per year."""
    user, today = context.user, context.today
    counters: dict[int, int] = {}
    offers: list[Offer] = []
    pending_lines: list[tuple[Offer, list[OfferLine]]] = []
    for index, project in enumerate(projects):
        issued = min(project.start_on - 7 * DAY, today)
        year = issued.year
        counters[year] = counters.get(year, 0) + 1
        number = f"A-{year}-{counters[year]:03d}"
        status = {
            Status.LEAD: Offer.Status.DRAFT,
            Status.OFFERED: Offer.Status.SENT if (index // 10) % 2 else Offer.Status.EXPIRED,
            Status.CANCELLED: Offer.Status.DECLINED,
        }.get(project.status, Offer.Status.ACCEPTED)
        texts = documents.default_texts(client=project.client, project_title=project.title)
        versions = 2 if index % 5 == 1 and status != Offer.Status.DRAFT else 1
        for version in range(1, versions + 1):
            is_last = version == versions
            offer = Offer(
                owner=user,
                project=project,
                number=number,
                version=version,
                status=status if is_last else Offer.Status.SUPERSEDED,
                issued_on=issued,
                valid_until=issued + 30 * DAY,
                intro_text=texts["intro"],
                closing_text=texts["closing"],
            )
            lines = [OfferLine(offer=offer, position=1, **_line(project))]
            if version == 2 or index % 3 == 0:
                lines.append(
                    OfferLine(
                        offer=offer,
                        position=2,
                        description="Korrekturschleife extra"
                        if project.client.language == "de"
                        else "Extra revision round",
                        quantity=Decimal(1),
                        unit="Stk.",
                        unit_price=Decimal(240),
                        vat_rate=project.vat_rate,
                    )
                )
            if offer.status != Offer.Status.DRAFT:
                offer.snapshot = documents.offer_snapshot(
                    offer,
                    lines=lines,
                    scope=scope_by_project[project.pk],
                    milestones=milestones_by_project[project.pk],
                    seller=seller,
                )
                offer.total_net = Decimal(offer.snapshot["totals"]["net"])
                offer.total_gross = Decimal(offer.snapshot["totals"]["gross"])
                offer.sent_at = _at(issued)
                if offer.status == Offer.Status.ACCEPTED:
                    offer.accepted_at = _at(issued + 3 * DAY)
                    offer.accepted_by_name = project.client.name
                if offer.status == Offer.Status.DECLINED:
                    offer.declined_at = _at(issued + 5 * DAY)
            offers.append(offer)
            pending_lines.append((offer, lines))
    Offer.objects.bulk_create(offers, batch_size=1000)
    all_lines = []
    lines_by_project: dict[int, list[OfferLine]] = {}
    for offer, lines in pending_lines:
        for line in lines:
            line.offer = offer
        all_lines.extend(lines)
        lines_by_project[offer.project.pk] = lines
    OfferLine.objects.bulk_create(all_lines, batch_size=2000)
    NumberSequence.objects.bulk_create(
        NumberSequence(owner=user, kind=NumberSequence.Kind.OFFER, year=year, last_number=last)
        for year, last in counters.items()
    )
    return offers, lines_by_project


def _invoices(
    context: DemoContext,
    projects: list[Project],
    offers: list[Offer],
    lines_by_project: dict[int, list[OfferLine]],
    seller: dict[str, Any],
) -> list[Invoice]:
    """Issue invoices for delivered, closed and some active projects; gap-free numbers."""
    user, today, rng = context.user, context.today, context.rng
    accepted = {o.project.pk: o for o in offers if o.status == Offer.Status.ACCEPTED}
    plans: list[tuple[Invoice, list[InvoiceLine], str]] = []
    for index, project in enumerate(projects):
        if project.status not in {Status.DELIVERED, Status.CLOSED, Status.ACTIVE}:
            continue
        if project.status == Status.ACTIVE and index % 4:
            continue
        issued = min(project.deadline_on, today - rng.randint(1, 40) * DAY)
        if project.status == Status.CLOSED:
            fate = "cancelled" if index % 11 == 7 else "paid"
        elif project.status == Status.DELIVERED:
            fate = ["overdue", "partly_paid", "open"][index % 3]
        else:
            fate = "open"
        if fate == "open":
            issued = today - rng.randint(0, 5) * DAY
        invoice = Invoice(
            owner=user,
            project=project,
            client=project.client,
            offer=accepted.get(project.pk),
            issued_on=issued,
            delivery_from=project.start_on,
            delivery_to=min(project.deadline_on, issued),
            due_on=issued + project.payment_terms_days * DAY,
            currency=project.currency,
            is_vat_exempt=project.is_vat_exempt,
            status=Invoice.Status.OPEN,
        )
        if fate == "overdue":
            invoice.issued_on = today - (project.payment_terms_days + rng.randint(3, 40)) * DAY
            invoice.due_on = invoice.issued_on + project.payment_terms_days * DAY
            invoice.delivery_to = min(invoice.delivery_to, invoice.issued_on)
            invoice.delivery_from = min(invoice.delivery_from, invoice.delivery_to)
        source = lines_by_project.get(project.pk) or []
        lines = [
            InvoiceLine(
                invoice=invoice,
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
            )
            for line in source
        ] or [InvoiceLine(invoice=invoice, position=1, **_line(project))]
        plans.append((invoice, lines, fate))

    # Gap-free numbers per year, in issue order (cancellation invoices take the next number).
    plans.sort(key=lambda plan: (plan[0].issued_on, plan[0].project.pk))
    counters: dict[int, int] = {}

    def next_number(day: datetime.date) -> str:
        counters[day.year] = counters.get(day.year, 0) + 1
        return f"{day.year}-{counters[day.year]:04d}"

    for invoice, lines, _fate in plans:
        invoice.number = next_number(invoice.issued_on)
        _freeze(invoice, lines, seller)
    Invoice.objects.bulk_create([plan[0] for plan in plans], batch_size=1000)
    InvoiceLine.objects.bulk_create(
        [line for _invoice, lines, _fate in plans for line in _bind(lines)], batch_size=2000
    )

    payments: list[Payment] = []
    stornos: list[tuple[Invoice, list[InvoiceLine]]] = []
    for invoice, lines, fate in plans:
        if fate == "paid":
            paid_on = min(invoice.due_on, today)
            payments.append(Payment(invoice=invoice, paid_on=paid_on, amount=invoice.total_gross))
            invoice.status, invoice.amount_paid, invoice.paid_on = (
                Invoice.Status.PAID,
                invoice.total_gross,
                paid_on,
            )
        elif fate == "partly_paid":
            part = (invoice.total_gross / 2).quantize(Decimal("0.01"))
            payments.append(
                Payment(
                    invoice=invoice, paid_on=min(invoice.issued_on + 5 * DAY, today), amount=part
                )
            )
            invoice.status, invoice.amount_paid = Invoice.Status.PARTLY_PAID, part
        elif fate == "cancelled":
            invoice.status = Invoice.Status.CANCELLED
            day = min(invoice.issued_on + 10 * DAY, today)
            storno = Invoice(
                owner=user,
                project=invoice.project,
                client=invoice.client,
                offer=invoice.offer,
                issued_on=day,
                delivery_from=invoice.delivery_from,
                delivery_to=invoice.delivery_to,
                due_on=day,
                currency=invoice.currency,
                is_vat_exempt=invoice.is_vat_exempt,
                status=Invoice.Status.CANCELLED,
                cancels=invoice,
                number=next_number(day),
            )
            storno_lines = [
                InvoiceLine(
                    invoice=storno,
                    position=line.position,
                    description=line.description,
                    quantity=-line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                )
                for line in lines
            ]
            _freeze(storno, storno_lines, seller)
            stornos.append((storno, storno_lines))
    Invoice.objects.bulk_update(
        [plan[0] for plan in plans], ["status", "amount_paid", "paid_on"], batch_size=1000
    )
    Payment.objects.bulk_create(payments, batch_size=2000)
    Invoice.objects.bulk_create([s for s, _lines in stornos])
    InvoiceLine.objects.bulk_create([line for _s, lines in stornos for line in _bind(lines)])
    NumberSequence.objects.bulk_create(
        NumberSequence(owner=user, kind=NumberSequence.Kind.INVOICE, year=year, last_number=last)
        for year, last in counters.items()
    )
    return [plan[0] for plan in plans] + [s for s, _lines in stornos]


def _bind(lines: list[InvoiceLine]) -> list[InvoiceLine]:
    # Re-assign the (now saved) invoice so the foreign key id is set.
    for line in lines:
        line.invoice = line.invoice
    return lines


def _freeze(invoice: Invoice, lines: list[InvoiceLine], seller: dict[str, Any]) -> None:
    snapshot = documents.invoice_snapshot(invoice, lines=lines, seller=seller)
    invoice.snapshot = snapshot
    invoice.total_net = Decimal(snapshot["totals"]["net"])
    invoice.total_vat = Decimal(snapshot["totals"]["vat"])
    invoice.total_gross = Decimal(snapshot["totals"]["gross"])


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _recent_acceptances(context: DemoContext, offers: list[Offer]) -> None:
    """Let the two newest accepted offers be recent, so the dashboard shows them."""
    accepted = [offer for offer in offers if offer.status == Offer.Status.ACCEPTED]
    for days_ago, offer in enumerate(accepted[:2], start=1):
        offer.accepted_at = context.now - datetime.timedelta(days=days_ago)
        offer.accepted_ip = "127.0.0.1"
    Offer.objects.bulk_update(accepted[:2], ["accepted_at", "accepted_ip"])
