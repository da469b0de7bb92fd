"""The first run: a short setup after sign-up, one skippable step at a time.

Each step is a ``SetupStep``: a key (its URL), a title, the template that shows it and a test of
whether the freelancer has done it already (then it is ticked off and the setup moves past it).
Skipped steps are remembered in the session; the dashboard offers the steps still open.

Apps that bring a new way in add their step to ``STEPS`` (the dashboard sits above every app),
as the mailbox (inbox) and the bank statements (banking) do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from banking.models import StatementImport
from clients.models import Client
from inbox.models import Mailbox

SKIPPED_SESSION_KEY = "setup_skipped"


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: Any
    summary: Any
    template: str
    done: Callable[[Any], bool]
    # Whether ``done`` reads only the profile (no query): the dashboard asks only those.
    from_profile: bool = False


def _business_done(user: Any) -> bool:
    profile = user.profile_or_default
    return bool(profile.street and profile.city and profile.iban)


def _sender_done(user: Any) -> bool:
    profile = user.profile_or_default
    if getattr(settings, "CLIENT_MAIL_FROM", "operator") == "freelancer":
        return profile.sender_verified_at is not None
    return bool(profile.reply_to_email)


def _mailbox_done(user: Any) -> bool:
    return Mailbox.objects.owned_by(user).exists()


def _bank_done(user: Any) -> bool:
    return StatementImport.objects.owned_by(user).exists()


def _clients_done(user: Any) -> bool:
    return Client.objects.owned_by(user).exists()


STEPS: list[SetupStep] = [
    SetupStep(
        "business",
        _("You and your business"),
        _("Name, address, tax and bank details: what your offers and invoices need."),
        "dashboard/setup_business.html",
        _business_done,
        from_profile=True,
    ),
    SetupStep(
        "sender",
        _("Your e-mail to clients"),
        _("The address your clients see and answer to."),
        "dashboard/setup_sender.html",
        _sender_done,
        from_profile=True,
    ),
    # Ways in from other apps go here, between the e-mail and the clients: the mailbox (replies
    # on the timeline) and the bank statements (payments mark invoices paid).
    SetupStep(
        "mailbox",
        _("Your mailbox"),
        _("Connect it, and your clients' replies appear on their timeline."),
        "dashboard/setup_mailbox.html",
        _mailbox_done,
    ),
    SetupStep(
        "bank",
        _("Your bank statements"),
        _("Import a statement, and paid invoices are marked paid."),
        "dashboard/setup_bank.html",
        _bank_done,
    ),
    SetupStep(
        "clients",
        _("Your clients"),
        _("Bring them over from your old tool, or add the first one by hand."),
        "dashboard/setup_clients.html",
        _clients_done,
    ),
]


def setup_step(key: str) -> SetupStep | None:
    return next((step for step in STEPS if step.key == key), None)


def setup_next(*, user: Any, skipped: list[str], after: str = "") -> SetupStep | None:
    """Return the next step that is neither done nor skipped (after ``after``), or None."""
    keys = [step.key for step in STEPS]
    start = keys.index(after) + 1 if after in keys else 0
    for step in STEPS[start:]:
        if step.key not in skipped and not step.done(user):
            return step
    return None


def setup_open_steps(user: Any) -> list[SetupStep]:
    """Return the profile steps not done yet, for the dashboard's reminder (no query: the
    profile is loaded already; the client list's empty state covers the clients step)."""
    return [step for step in STEPS if step.from_profile and not step.done(user)]
