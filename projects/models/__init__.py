"""Models of the projects app, one module per subdomain; Django and every import find them here.

- ``project``: the project itself, its status and the shared field definitions;
- ``scope``: scope items, milestones and revision rounds (what was agreed, and when);
- ``change_requests``: what the client asked for beyond the scope, and the decision;
- ``lines``: what offer and invoice lines share;
- ``offers``: numbered, versioned offers, frozen when sent;
- ``invoices``: invoices, their lines and payments;
- ``numbering``: the gap-free number sequences;
- ``documents``: the PDFs of sent offers and issued invoices, rendered once and kept.
"""

from .change_requests import ChangeRequest
from .documents import FrozenDocument
from .invoices import Invoice, InvoiceLine, InvoiceQuerySet, Payment, VatTreatment
from .numbering import NumberSequence
from .offers import Offer, OfferLine
from .project import OPEN_STATUSES, STATUS_TRANSITIONS, UNDERWAY_STATUSES, Project, ProjectQuerySet
from .scope import Milestone, MilestoneQuerySet, RevisionRound, ScopeItem

__all__ = [
    "OPEN_STATUSES",
    "STATUS_TRANSITIONS",
    "UNDERWAY_STATUSES",
    "ChangeRequest",
    "FrozenDocument",
    "Invoice",
    "InvoiceLine",
    "InvoiceQuerySet",
    "Milestone",
    "MilestoneQuerySet",
    "NumberSequence",
    "Offer",
    "OfferLine",
    "Payment",
    "Project",
    "ProjectQuerySet",
    "RevisionRound",
    "ScopeItem",
    "VatTreatment",
]
