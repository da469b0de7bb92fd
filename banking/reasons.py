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
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from crm.templatetags.crm_format import format_money


def _money(value: Any) -> str:
    """Return a stored amount ({"amount", "currency"}) as money in the active language."""
    if isinstance(value, dict):
        return format_money(Decimal(value["amount"]), value["currency"])
    return str(value or "")


def _date(value: Any) -> str:
    """Return a stored ISO date in the active language's short format."""
    if not value:
        return ""
    return date_format(datetime.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")


def _numbers(params: dict[str, Any]) -> str:
    """Return the invoice numbers, comma-separated."""
    return ", ".join(params.get("numbers") or [])


# The sentence of each reason code, translated when it is shown. A sentence about one or several
# invoices picks its plural by "invoice_count" (how many invoices the entry names).
REASONS = {
    "named_exact": ngettext_lazy(
        "Invoice %(numbers)s is named in the text and the amount is exactly what is due.",
        "Invoices %(numbers)s are named in the text and the amount is exactly what is due.",
        "invoice_count",
    ),
    "named_overpaid": ngettext_lazy(
        "Invoice %(numbers)s is named in the text; %(excess)s more than due was paid. The "
        "amount due was booked: refund the rest to %(client)s or keep it as a credit.",
        "Invoices %(numbers)s are named in the text; %(excess)s more than due was paid. "
        "The amounts due were booked: refund the rest to %(client)s or keep it as a credit.",
        "invoice_count",
    ),
    "named_partial": ngettext_lazy(
        "Invoice %(numbers)s is named in the text, but less than the %(due)s due was paid: "
        "a partial payment?",
        "Invoices %(numbers)s are named in the text, but less than the %(due)s due was "
        "paid: a partial payment?",
        "invoice_count",
    ),
    "named_clients": gettext_lazy("The text names invoices of different clients (%(numbers)s)."),
    "named_other_account": gettext_lazy(
        "The text names %(numbers)s of %(client)s, but this account is known as %(other)s's."
    ),
    "named_currency": gettext_lazy(
        "The text names %(numbers)s, which is in %(invoice_currency)s; the payment is in "
        "%(currency)s. Record it on the invoice by hand with the amount it was worth."
    ),
    "named_paid": ngettext_lazy(
        "The text names invoice %(numbers)s, which is already paid or cancelled. Paid "
        "twice? Refund it or keep it as a credit.",
        "The text names invoices %(numbers)s, which are already paid or cancelled. Paid "
        "twice? Refund it or keep it as a credit.",
        "invoice_count",
    ),
    "account_exact": gettext_lazy(
        "From %(client)s's known account; exactly the amount of invoice %(numbers)s."
    ),
    "account_all": gettext_lazy(
        "From %(client)s's known account; exactly all of its open invoices (%(numbers)s)."
    ),
    "account_same_amount": gettext_lazy(
        "From %(client)s's known account; %(count)s open invoices have this amount, the "
        "oldest is proposed."
    ),
    "account_subset": gettext_lazy(
        "From %(client)s's known account; invoices %(numbers)s add up to the amount."
    ),
    "account_oldest": gettext_lazy(
        "From %(client)s's known account; the amount fits no invoice, so the oldest open "
        "ones are proposed."
    ),
    "account_nothing_open": gettext_lazy(
        "From %(client)s's known account, but there is no open invoice in %(currency)s. "
        "Paid in advance or twice?"
    ),
    "name_amount": gettext_lazy(
        "No invoice number, but the payer looks like %(client)s and the amount is that of "
        "invoice %(numbers)s."
    ),
    "name_oldest": gettext_lazy(
        "No invoice number; the payer looks like %(client)s, so its oldest open invoices "
        "are proposed."
    ),
    "amount_only": gettext_lazy(
        "No invoice number and an unknown account, but only invoice %(numbers)s "
        "(%(client)s) has this amount."
    ),
    "amount_ambiguous": gettext_lazy(
        "No invoice number and an unknown account; %(count)s open invoices have this "
        "amount, so none is proposed."
    ),
    "unrelated": gettext_lazy(
        "No invoice number, an unknown account and no open invoice of this amount: not a "
        "payment for an invoice, as far as can be seen."
    ),
    "foreign_currency": gettext_lazy(
        "In %(currency)s, and none of your open invoices is in %(currency)s. Payments are "
        "matched only to invoices in the same currency."
    ),
    "debit": gettext_lazy("Money going out: nothing to match."),
    "reversed_debit": gettext_lazy(
        "A payment of yours that came back (reversal): nothing to match."
    ),
    "reversal_unbooked": gettext_lazy(
        "A reversal (Storno or returned payment) of money received; no payment booked here "
        "belongs to it."
    ),
    "reversal_booked": gettext_lazy(
        "A reversal (Storno or returned payment): the money of %(date)s booked on invoice "
        "%(numbers)s went back to the payer. The invoice still counts as paid and gets no "
        "reminders: settle it with %(client)s (a payment cannot be taken back on an "
        "invoice yet)."
    ),
    "booking_failed": gettext_lazy("It could not be booked automatically: %(error)s"),
}


def reason_text(code: str, params: dict[str, Any]) -> str:
    """Return the sentence for a reason code and its values ("" for an unknown code)."""
    text = REASONS.get(code)
    if text is None:
        return ""
    return text % {
        "numbers": _numbers(params),
        "invoice_count": len(params.get("numbers") or []),
        "client": params.get("client", ""),
        "other": params.get("other", ""),
        "excess": _money(params.get("excess")),
        "due": _money(params.get("due")),
        "currency": params.get("currency", ""),
        "invoice_currency": params.get("invoice_currency", ""),
        "count": params.get("count", 0),
        "date": _date(params.get("date")),
        "error": params.get("error", ""),
    }


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
