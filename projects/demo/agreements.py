"""Demo projects and what was agreed: scope in and out, milestones, revisions, change requests."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm.demo import DemoContext

from ..models import ChangeRequest, Milestone, Project, RevisionRound, ScopeItem

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


@dataclass
class Agreements:
    """What ``agreements_create`` made, for the offers and the shared context."""

    milestones: list[Milestone] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    scope_by_project: dict[int, list[ScopeItem]] = field(default_factory=dict)
    milestones_by_project: dict[int, list[Milestone]] = field(default_factory=dict)


def projects_create(context: DemoContext) -> list[Project]:
    """Create projects for about two of three clients (the first dozen always), every status."""
    rng, clients = context.rng, context.shared.get("clients", [])
    chosen = [c for i, c in enumerate(clients) if i < 12 or rng.random() < 0.6]
    exempt = context.user.profile_or_default.is_small_business
    projects = [
        _project(context, client, index, exempt=exempt) for index, client in enumerate(chosen)
    ]
    Project.objects.bulk_create(projects, batch_size=1000)
    return projects


def _project(context: DemoContext, client: Any, index: int, *, exempt: bool) -> Project:
    rng, today = context.rng, context.today
    german = client.language == "de"
    titles = TITLES_DE if german else TITLES_EN
    status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
    start = today + datetime.timedelta(days=rng.randint(-120, 10))
    if status in {Status.DELIVERED, Status.CLOSED}:
        start = today - datetime.timedelta(days=rng.randint(60, 200))
    hourly = index % 4 == 3
    return Project(
        owner=context.user,
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


def agreements_create(context: DemoContext, projects: list[Project]) -> Agreements:
    """Create each project's scope, milestones, revision rounds and change requests."""
    rng = context.rng
    agreed = Agreements()
    scope_items: list[ScopeItem] = []
    revisions: list[RevisionRound] = []
    for index, project in enumerate(projects):
        items = _scope(rng, project, index)
        scope_items.extend(items)
        agreed.scope_by_project[project.pk] = items
        milestones = _milestones(rng, project, context.today)
        agreed.milestones.extend(milestones)
        agreed.milestones_by_project[project.pk] = milestones
        revisions.extend(_revisions(rng, project))
        if project.status in {Status.ACTIVE, Status.ON_HOLD, Status.DELIVERED} and index % 3 == 0:
            agreed.changes.append(_change_request(context, project, index))
    ScopeItem.objects.bulk_create(scope_items, batch_size=2000)
    Milestone.objects.bulk_create(agreed.milestones, batch_size=2000)
    RevisionRound.objects.bulk_create(revisions, batch_size=2000)
    ChangeRequest.objects.bulk_create(agreed.changes, batch_size=1000)
    return agreed


def _scope(rng: random.Random, project: Project, index: int) -> list[ScopeItem]:
    german = project.client.language == "de"
    items = [
        ScopeItem(
            project=project,
            title=title,
            description=description,
            acceptance_criteria=criteria,
            position=position,
        )
        for position, (title, description, criteria) in enumerate(
            (SCOPE_DE if german else SCOPE_EN)[: rng.randint(3, 4)], start=1
        )
    ]
    out = OUT_DE if german else OUT_EN
    items.append(
        ScopeItem(project=project, is_in_scope=False, title=out[index % len(out)], position=9)
    )
    return items


def _milestones(rng: random.Random, project: Project, today: datetime.date) -> list[Milestone]:
    """Three milestones over the project's span: done, on track, at risk (forecast slipped) or
    late (due passed)."""
    german = project.client.language == "de"
    names = MILESTONES_DE if german else MILESTONES_EN
    span = (project.deadline_on - project.start_on).days
    milestones = []
    for number, name in enumerate(names, start=1):
        due = project.start_on + datetime.timedelta(days=span * number // len(names))
        milestone = Milestone(project=project, title=name, due_on=due, position=number)
        finished = project.status in {Status.DELIVERED, Status.CLOSED}
        if finished or due < today - 7 * DAY:
            milestone.done_on = min(due, today)
        if project.status == Status.ACTIVE and not milestone.done_on:
            roll = rng.random()
            if roll < 0.2 and due >= today:
                # At risk: the forecast slipped past the due date.
                milestone.forecast_on = due + datetime.timedelta(days=rng.randint(3, 14))
                milestone.delay_reason = (
                    "Die Umsetzung der Navigation braucht eine zweite Testrunde."
                    if german
                    else "The navigation needs a second round of testing."
                )
            elif roll < 0.3:
                # Late: the due date passed without it being done.
                milestone.due_on = today - datetime.timedelta(days=rng.randint(1, 10))
        milestones.append(milestone)
    return milestones


def _revisions(rng: random.Random, project: Project) -> list[RevisionRound]:
    """Rounds for projects with work done; those beyond the agreement are goodwill or billed."""
    if project.status not in {Status.ACTIVE, Status.DELIVERED, Status.CLOSED}:
        return []
    german = project.client.language == "de"
    revisions = []
    for number in range(rng.randint(0, project.revisions_agreed + 1)):
        billing = RevisionRound.Billing.INCLUDED
        if number >= project.revisions_agreed:
            billing = rng.choice([RevisionRound.Billing.GOODWILL, RevisionRound.Billing.BILLABLE])
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
    return revisions


def _change_request(context: DemoContext, project: Project, index: int) -> ChangeRequest:
    """A change request: open, accepted with a price, or declined with an alternative."""
    title, description = CHANGES[index % len(CHANGES)]
    change = ChangeRequest(
        owner=context.user,
        project=project,
        title=title,
        description=description,
        requested_on=context.today - datetime.timedelta(days=context.rng.randint(1, 20)),
    )
    decision = index % 9
    if decision == 3:
        change.status = ChangeRequest.Status.ACCEPTED
        change.price = Decimal(600)
        change.deadline_impact_days = 7
        change.decided_at = context.now
    elif decision == 6:
        change.status = ChangeRequest.Status.DECLINED
        change.alternative = (
            "Gern als eigenes Folgeprojekt im neuen Jahr."
            if project.client.language == "de"
            else "Happy to do this as a follow-up project in the new year."
        )
        change.decided_at = context.now
    return change
