"""Why an entry was booked, proposed or ignored, and what an import did, in words, in the
reader's language.

Entries store a reason code and its values (invoice numbers, names, amounts); the sentence is
made when it is shown, so a German freelancer reads German even for an import run by cron.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.templatetags.crm_format import format_money


def _money(value: Any) -> str:
    if isinstance(value, dict):
        return format_money(Decimal(value["amount"]), value["currency"])
    return str(value or "")


def _date(value: Any) -> str:
    if not value:
        return ""
    return date_format(datetime.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")


def _numbers(params: dict[str, Any]) -> str:
    return ", ".join(params.get("numbers") or [])


def reason_text(code: str, params: dict[str, Any]) -> str:
    """Return the sentence for a reason code and its values."""
    numbers = _numbers(params)
    count = len(params.get("numbers") or [])
    client = params.get("client", "")
    values = {
        "numbers": numbers,
        "client": client,
        "other": params.get("other", ""),
        "excess": _money(params.get("excess")),
        "due": _money(params.get("due")),
        "currency": params.get("currency", ""),
        "invoice_currency": params.get("invoice_currency", ""),
        "count": params.get("count", 0),
        "date": _date(params.get("date")),
        "error": params.get("error", ""),
    }
    texts = {
        "named_exact": ngettext(
            "Invoice %(numbers)s is named in the text and the amount is exactly what is due.",
            "Invoices %(numbers)s are named in the text and the amount is exactly what is due.",
            count,
        ),
        "named_overpaid": ngettext(
            "Invoice %(numbers)s is named in the text; %(excess)s more than due was paid. The "
            "amount due was booked: refund the rest to %(client)s or keep it as a credit.",
            "Invoices %(numbers)s are named in the text; %(excess)s more than due was paid. "
            "The amounts due were booked: refund the rest to %(client)s or keep it as a credit.",
            count,
        ),
        "named_partial": ngettext(
            "Invoice %(numbers)s is named in the text, but less than the %(due)s due was paid: "
            "a partial payment?",
            "Invoices %(numbers)s are named in the text, but less than the %(due)s due was "
            "paid: a partial payment?",
            count,
        ),
        "named_clients": _("The text names invoices of different clients (%(numbers)s)."),
        "named_other_account": _(
            "The text names %(numbers)s of %(client)s, but this account is known as %(other)s's."
        ),
        "named_currency": _(
            "The text names %(numbers)s, which is in %(invoice_currency)s; the payment is in "
            "%(currency)s. Record it on the invoice by hand with the amount it was worth."
        ),
        "named_paid": ngettext(
            "The text names invoice %(numbers)s, which is already paid or cancelled. Paid "
            "twice? Refund it or keep it as a credit.",
            "The text names invoices %(numbers)s, which are already paid or cancelled. Paid "
            "twice? Refund it or keep it as a credit.",
            count,
        ),
        "account_exact": _(
            "From %(client)s's known account; exactly the amount of invoice %(numbers)s."
        ),
        "account_all": _(
            "From %(client)s's known account; exactly all of its open invoices (%(numbers)s)."
        ),
        "account_same_amount": _(
            "From %(client)s's known account; %(count)s open invoices have this amount, the "
            "oldest is proposed."
        ),
        "account_subset": _(
            "From %(client)s's known account; invoices %(numbers)s add up to the amount."
        ),
        "account_oldest": _(
            "From %(client)s's known account; the amount fits no invoice, so the oldest open "
            "ones are proposed."
        ),
        "account_nothing_open": _(
            "From %(client)s's known account, but there is no open invoice in %(currency)s. "
            "Paid in advance or twice?"
        ),
        "name_amount": _(
            "No invoice number, but the payer looks like %(client)s and the amount is that of "
            "invoice %(numbers)s."
        ),
        "name_oldest": _(
            "No invoice number; the payer looks like %(client)s, so its oldest open invoices "
            "are proposed."
        ),
        "amount_only": _(
            "No invoice number and an unknown account, but only invoice %(numbers)s "
            "(%(client)s) has this amount."
        ),
        "amount_ambiguous": _(
            "No invoice number and an unknown account; %(count)s open invoices have this "
            "amount, so none is proposed."
        ),
        "unrelated": _(
            "No invoice number, an unknown account and no open invoice of this amount: not a "
            "payment for an invoice, as far as can be seen."
        ),
        "foreign_currency": _(
            "In %(currency)s, and none of your open invoices is in %(currency)s. Payments are "
            "matched only to invoices in the same currency."
        ),
        "debit": _("Money going out: nothing to match."),
        "reversed_debit": _("A payment of yours that came back (reversal): nothing to match."),
        "reversal_unbooked": _(
            "A reversal (Storno or returned payment) of money received; no payment booked here "
            "belongs to it."
        ),
        "reversal_booked": _(
            "A reversal (Storno or returned payment): the money of %(date)s booked on invoice "
            "%(numbers)s went back to the payer. The invoice still counts as paid and gets no "
            "reminders: settle it with %(client)s (a payment cannot be taken back on an "
            "invoice yet)."
        ),
        "booking_failed": _("It could not be booked automatically: %(error)s"),
    }
    text = texts.get(code)
    if text is None:
        return ""
    return text % values


def import_summary(statement: Any) -> str:
    """Return one sentence on what an import did, in the active language."""
    parts = [
        ngettext("%(n)d payment booked", "%(n)d payments booked", statement.booked)
        % {"n": statement.booked},
        ngettext("%(n)d to confirm", "%(n)d to confirm", statement.proposed)
        % {"n": statement.proposed},
        ngettext("%(n)d ignored", "%(n)d ignored", statement.ignored) % {"n": statement.ignored},
    ]
    if statement.duplicates:
        parts.append(
            ngettext(
                "%(n)d already imported before",
                "%(n)d already imported before",
                statement.duplicates,
            )
            % {"n": statement.duplicates}
        )
    if statement.pending:
        parts.append(
            ngettext(
                "%(n)d not yet booked by the bank (read again once booked)",
                "%(n)d not yet booked by the bank (read again once booked)",
                statement.pending,
            )
            % {"n": statement.pending}
        )
    return _("%(file)s: %(parts)s.") % {"file": statement.file_name, "parts": ", ".join(parts)}
