"""The plain-values context every message template sees (see sandbox.SCHEMA and the docs).

Nothing here hands a model instance to a template: each value is a string, number, bool, list or
dict built field by field, so a template can reach what is listed and nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from crm.templatetags.crm_format import format_money

_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def date_text(value: datetime.date | None, language: str) -> str:
    """Return a date as a client reads it: ``27.11.2026`` (de) or ``27 Nov 2026`` (en)."""
    if value is None:
        return ""
    if language == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


# The profile's plain values a template sees as ``freelancer`` (see sandbox.SCHEMA).
FREELANCER_FIELDS = (
    "name",
    "business_name",
    "email",
    "phone",
    "website",
    "bank_name",
    "iban",
    "bic",
)


def freelancer_context(user: Any) -> dict[str, Any]:
    """Return the freelancer's details as plain values (``Profile.plain_values``, in part)."""
    profile = user.profile_or_default
    values = profile.plain_values()
    return {
        **{name: values[name] for name in FREELANCER_FIELDS},
        "address": profile.postal_lines,
        "signature": "\n".join(
            part for part in (values["name"], values["business_name"], values["phone"]) if part
        ),
    }


def client_context(client: Any) -> dict[str, Any]:
    return {
        "name": client.name,
        "salutation": client.salutation,
        "email": client.email,
        "language": client.language,
        "form": client.form_of_address,
    }


def milestone_context(milestone: Any, language: str, today: datetime.date) -> dict[str, Any]:
    return {
        "title": milestone.title,
        "due_on": date_text(milestone.due_on, language),
        # Empty while nobody knows: an undone milestone whose expected date has passed.
        "expected_on": (
            date_text(milestone.expected_on, language)
            if milestone.done_on or milestone.expected_on >= today
            else ""
        ),
        "done_on": date_text(milestone.done_on, language),
        "delay_reason": milestone.delay_reason,
        # A correction: the date the notice sent before named (delay notices fill it in).
        "previous_expected_on": "",
        "state": milestone.state_on(today),
        "is_done": milestone.done_on is not None,
    }


def invoice_context(
    invoice: Any, language: str, today: datetime.date, amount_due: Decimal | None = None
) -> dict[str, Any]:
    due = invoice.amount_due if amount_due is None else amount_due
    return {
        "number": invoice.number,
        "issued_on": date_text(invoice.issued_on, language),
        "due_on": date_text(invoice.due_on, language),
        "total": format_money(invoice.total_gross, invoice.currency, language),
        "amount_paid": format_money(invoice.amount_paid, invoice.currency, language),
        "amount_due": format_money(due, invoice.currency, language),
        "is_partly_paid": invoice.amount_paid > 0,
        "days_overdue": max((today - invoice.due_on).days, 0) if invoice.due_on else 0,
        "project": invoice.project.title if invoice.project_id else "",
    }


def _invoices_context(
    invoice: Any, invoices: Iterable[Any], language: str, today: datetime.date
) -> dict[str, Any]:
    """Return the invoice (the first of ``invoices``, else ``invoice``), all of them and the
    total due, per currency."""
    invoice_rows = [invoice_context(item, language, today) for item in invoices]
    if invoice is not None and not invoice_rows:
        invoice_rows = [invoice_context(invoice, language, today)]
    # One sum per currency ("1.190,00 € und 500,00 $"): amounts of different currencies are
    # never added together.
    due: dict[str, Any] = {}
    for item in invoices or ([invoice] if invoice else []):
        due[item.currency] = due.get(item.currency, 0) + item.amount_due
    joiner = " und " if language == "de" else " and "
    total_due = joiner.join(format_money(amount, code, language) for code, amount in due.items())
    return {
        "invoice": invoice_rows[0] if invoice_rows else {},
        "invoices": invoice_rows,
        "total_due": total_due if invoice_rows else "",
    }


def message_context(
    *,
    client: Any,
    today: datetime.date,
    freelancer: dict[str, Any] | None = None,
    project: Any = None,
    milestones: Iterable[Any] | None = None,
    done_milestones: Iterable[Any] = (),
    next_milestones: Iterable[Any] = (),
    needed_from_client: Iterable[str] = (),
    milestone: Any = None,
    invoice: Any = None,
    invoices: Iterable[Any] = (),
    level: int | None = None,
    reminders_sent: Iterable[datetime.date] = (),
    pay_by: datetime.date | None = None,
    offer: Any = None,
    change_request: Any = None,
    body: str = "",
) -> dict[str, Any]:
    """Return the template context for one message to ``client`` (plain values only)."""
    language = client.language
    tone = client.tone
    context: dict[str, Any] = {
        "client": client_context(client),
        "tone": tone.as_context(),
        "freelancer": freelancer or freelancer_context(client.owner),
        "project": {},
        "milestones": [],
        "done_milestones": [milestone_context(m, language, today) for m in done_milestones],
        "next_milestones": [milestone_context(m, language, today) for m in next_milestones],
        "needed_from_client": list(needed_from_client),
        "milestone": milestone_context(milestone, language, today) if milestone else {},
        **_invoices_context(invoice, invoices, language, today),
        "level": level or "",
        "reminders_sent": [date_text(day, language) for day in reminders_sent],
        "pay_by": date_text(pay_by, language),
        "offer": {},
        "change_request": {},
        "body": body,
        "today": date_text(today, language),
        "is_first_update": False,
        "news": {},
        "at_risk_milestones": [],
        "wrap_up": {},
    }
    context["has_news"] = bool(context["done_milestones"])
    if project is not None:
        context["project"] = project_context(project, language)
        if milestones is not None:
            context["milestones"] = [milestone_context(m, language, today) for m in milestones]
    if offer is not None:
        context["offer"] = offer_context(offer, language)
    if change_request is not None:
        context["change_request"] = change_request_context(change_request, language)
    return context


def project_context(project: Any, language: str) -> dict[str, Any]:
    return {
        "title": project.title,
        "deadline_on": date_text(project.deadline_on, language),
        "ended_on": date_text(project.ended_on, language),
        "status": project.get_status_display(),
        "portal_url": "",
    }


def offer_context(offer: Any, language: str) -> dict[str, Any]:
    return {
        "number": offer.number,
        "version": offer.version,
        "valid_until": date_text(offer.valid_until, language),
        "total": format_money(offer.total_gross, offer.project.currency, language),
    }


def change_request_context(change_request: Any, language: str) -> dict[str, Any]:
    price = change_request.price
    return {
        "title": change_request.title,
        "description": change_request.description,
        "price": (
            format_money(price, change_request.project.currency, language)
            if price is not None
            else ""
        ),
        "deadline_impact_days": change_request.deadline_impact_days,
        "alternative": change_request.alternative,
    }


def wrap_up_context(project: Any, language: str) -> dict[str, Any]:
    """Return the facts of a closed project's wrap-up: what was delivered, what came up.

    ``delivered``: the scope items in scope (else the milestones done); ``changes``: the change
    requests accepted on the way; ``all_on_time``: every milestone done by its due date;
    ``late_count``: how many were not; revision rounds used and agreed.
    """
    milestones = list(project.milestones.all())
    done = [m for m in milestones if m.done_on]
    delivered = [item.title for item in project.scope_items.all() if item.is_in_scope] or [
        m.title for m in done
    ]
    late = [m for m in done if m.done_on > m.due_on]
    changes = [
        change.title for change in project.change_requests.all() if change.status == "accepted"
    ]
    return {
        "delivered": delivered,
        "changes": changes,
        "all_on_time": bool(done) and not late,
        "late_count": len(late),
        "revisions_used": project.revisions.count(),
        "revisions_agreed": project.revisions_agreed,
    }
