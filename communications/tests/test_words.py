"""Every shipped template, in each language and tone, for a first and a later update, read
against the writing rules of docs/communications.md: forbidden phrases and required parts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from communications.models import Message
from communications.rendering import default_source, render_sources
from crm.tone import greeting_for

KINDS = list(Message.Kind.values)
VARIANTS = [(lang, form) for lang in ("de", "en") for form in ("formal", "informal")]

# Phrases no message may contain (lower case), with the rule each breaks.
FORBIDDEN = {
    "sorry": "no jokes or flippant apologies",
    "ups": "no jokes",
    "oops": "no jokes",
    "kamen später": "reasons about the work, never the client",
    "arrived late": "reasons about the work, never the client",
    "nach erhalt": "concrete dates",
    "after receiving": "concrete dates",
    "within 10 days": "concrete dates",
    "in den nächsten tagen": "concrete dates",
    "next few days": "concrete dates",
    "als pdf": "no sentence about the mail itself",
    "as a pdf": "no sentence about the mail itself",
    "diese mail": "no sentence about the mail itself",
    "this e-mail": "no sentence about the mail itself",
    "this email": "no sentence about the mail itself",
    "automatisch": "no sentence about the mail itself",
    "automatically": "no sentence about the mail itself",
    "{{": "no template left unrendered",
    "{%": "no template left unrendered",
}
# In a formal demand (final notice): no thanks, no exclamation.
FORMAL_DEMAND_FORBIDDEN = ("danke", "thank", "!", "super")
# A first update must not speak of an earlier one.
FIRST_UPDATE_FORBIDDEN = ("seit dem letzten update", "since my last update", "since last time")
# "On plan" wording, forbidden while a milestone is at risk.
ON_PLAN = ("planmäßig", "wie geplant", "im plan", "on track", "on schedule")

MILESTONE = {
    "title": "Shop",
    "due_on": "10.12.2026",
    "expected_on": "17.12.2026",
    "done_on": "",
    "delay_reason": "Die Zahlungsanbindung braucht eine zweite Testrunde.",
    "previous_expected_on": "",
    "state": "at_risk",
    "is_done": False,
}
INVOICE = {
    "number": "2026-0042",
    "issued_on": "01.10.2026",
    "due_on": "15.10.2026",
    "total": "1.190,00 €",
    "amount_paid": "190,00 €",
    "amount_due": "1.000,00 €",
    "is_partly_paid": True,
    "days_overdue": 40,
    "project": "Relaunch",
}
CHANGE = {
    "title": "Newsletter",
    "description": "x",
    "price": "300,00 €",
    "deadline_impact_days": 5,
    "alternative": "Als Phase 2 im Januar.",
}
OFFER = {"number": "A-2026-007", "version": 1, "valid_until": "31.12.2026", "total": "5.712,00 €"}


def context(language: str, form: str, *, first: bool, kind: str) -> dict[str, Any]:
    salutation = "Frau Dr. Weber" if form == "formal" else "Anna"
    level = int(kind[-1]) if kind.startswith("reminder_") else ""
    return {
        "client": {
            "name": "Acme",
            "salutation": salutation,
            "email": "a@acme.example",
            "language": language,
            "form": form,
        },
        "tone": {
            "greeting": greeting_for(language, form, salutation),
            "closing": "Grüße",
            "salutation": salutation,
            "language": language,
            "form": form,
            "is_formal": form == "formal",
            "label": "",
            "you": "Sie",
            "you_dative": "Ihnen",
            "your": "Ihr",
            "your_f": "Ihre",
            "your_dative": "Ihrem",
            "yours": "Ihres",
        },
        "freelancer": {
            "name": "Alice",
            "business_name": "Alice Design",
            "email": "a@x.example",
            "phone": "",
            "website": "",
            "bank_name": "Bank",
            "iban": "DE02",
            "bic": "",
            "address": [],
            "signature": "Alice",
        },
        "project": {
            "title": "Relaunch",
            "deadline_on": "23.12.2026",
            "ended_on": "01.10.2026",
            "status": "active",
            "portal_url": "",
        },
        "milestones": [MILESTONE],
        "done_milestones": [
            {
                **MILESTONE,
                "title": "Konzept",
                "done_on": "25.11.2026",
                "is_done": True,
                "state": "done",
            }
        ],
        "next_milestones": [MILESTONE],
        "needed_from_client": [],
        "has_news": True,
        "milestone": MILESTONE,
        "invoice": INVOICE,
        "invoices": [INVOICE],
        "total_due": "1.000,00 €",
        "level": level,
        "pay_by": "04.12.2026" if level else "",
        "offer": OFFER,
        "change_request": CHANGE,
        "body": "Kurze Frage zum Termin.",
        "today": "27.11.2026",
        "is_first_update": first,
        "news": {
            "milestones_moved": [MILESTONE],
            "milestones_back": [],
            "changes_accepted": [CHANGE],
            "changes_declined": [],
            "revisions_new": 0,
            "revisions_used": 1,
            "revisions_agreed": 2,
            "offers_sent": [],
            "offers_accepted": [],
            "invoices_issued": [],
            "invoices_paid": [],
        },
        "at_risk_milestones": [MILESTONE],
        "wrap_up": {
            "delivered": ["Startseite"],
            "changes": ["Newsletter"],
            "all_on_time": False,
            "late_count": 1,
            "revisions_used": 1,
            "revisions_agreed": 2,
        },
    }


# What each kind must say: the facts the client needs (date, amount, number).
REQUIRED: dict[str, tuple[str, ...]] = {
    "delay_notice": ("10.12.2026", "17.12.2026", "zweite Testrunde"),
    "reminder_1": ("2026-0042", "1.000,00 €", "04.12.2026"),
    "reminder_2": ("2026-0042", "1.000,00 €", "04.12.2026"),
    "reminder_3": ("2026-0042", "1.000,00 €", "04.12.2026"),
    "invoice_sent": ("2026-0042", "1.190,00 €", "15.10.2026"),
    "offer_sent": ("A-2026-007", "31.12.2026"),
    "offer_accepted": ("A-2026-007",),
    "change_accepted": ("Newsletter", "300,00 €", "23.12.2026"),
    "change_declined": ("Newsletter", "Phase 2"),
    "status_update": ("Shop", "17.12.2026", "zweite Testrunde", "Newsletter"),
    "wrap_up": ("Startseite", "Newsletter"),
    "keep_in_touch": ("01.10.2026",),
    "one_off": ("Kurze Frage",),
}


@pytest.mark.parametrize("first", [True, False], ids=["first", "later"])
@pytest.mark.parametrize(("language", "form"), VARIANTS)
@pytest.mark.parametrize("kind", KINDS)
def test_it_keeps_the_writing_rules(kind: str, language: str, form: str, first: bool) -> None:
    rendered = render_sources(
        *default_source(kind, language, form), context(language, form, first=first, kind=kind)
    )
    text = f"{rendered.subject}\n{rendered.text}"
    lower = text.lower()
    for phrase, rule in FORBIDDEN.items():
        assert phrase not in lower, f"{kind} {language}/{form}: “{phrase}” ({rule})"
    if kind == "reminder_3":
        for phrase in FORMAL_DEMAND_FORBIDDEN:
            assert phrase not in lower, f"final notice {language}/{form}: “{phrase}”"
    if kind == "status_update":
        for phrase in ON_PLAN:  # a milestone is at risk in this context
            assert phrase not in lower, f"status update {language}/{form}: “{phrase}”"
        if first:
            for phrase in FIRST_UPDATE_FORBIDDEN:
                assert phrase not in lower, f"first update {language}/{form}: “{phrase}”"
    assert rendered.text.startswith(
        greeting_for(
            language, form, context(language, form, first=first, kind=kind)["tone"]["salutation"]
        )
    )
    for part in REQUIRED[kind]:
        assert part in text, f"{kind} {language}/{form} lacks {part}"
    assert not re.search(r"\n{3,}", rendered.text)
