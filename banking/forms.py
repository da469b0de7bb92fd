"""Forms of the banking app: the statement upload and the choice of invoices for a payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.templatetags.crm_format import format_money
from crm.text import CleanForm
from projects.models import Invoice

from .formats import MAX_BYTES

ALLOCATION_ROWS = 3


class StatementUploadForm(CleanForm):
    file = forms.FileField(
        label=_("Bank statement"),
        help_text=_(
            "CAMT (camt.053 statement, camt.052 report, camt.054 notification; XML) or MT940, "
            "as your online banking or banking software exports it."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class InvoicePicker(forms.Select):
    """A ``<select>`` that holds only its chosen invoice; the options arrive as you type.

    It wears the client picker's ``data-client-picker`` attribute, so static/js/app.js turns it
    into the same search box (Tom Select), fed by ``banking:invoice_suggest``.
    """

    def __init__(self, *, currency: str) -> None:
        self.currency = currency
        super().__init__(
            attrs={
                "class": "form-select form-select-sm",
                "data-client-picker": "",
                "data-placeholder": _("Type an invoice number or client"),
                "data-no-results": _("No open invoice matches."),
            }
        )

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        url = reverse("banking:invoice_suggest") + f"?currency={self.currency}"
        return super().get_context(name, value, {**(attrs or {}), "data-url": url})

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> Any:
        """Return the empty choice and the chosen invoice, nothing else."""
        chosen = [v for v in value if v and str(v).isdigit() and len(str(v)) < 19]
        queryset = getattr(self.choices, "queryset", None)
        options: list[tuple[Any, str]] = [("", "")]
        if chosen and queryset is not None:
            options += [
                (invoice.pk, invoice_label(invoice))
                for invoice in queryset.filter(pk__in=chosen).select_related("client")
            ]
        return [
            (
                None,
                [
                    self.create_option(
                        name, option, label, str(option) in chosen, index, attrs=attrs
                    )
                ],
                index,
            )
            for index, (option, label) in enumerate(options)
        ]


def invoice_label(invoice: Invoice) -> str:
    due = format_money(invoice.amount_due, invoice.currency)
    return f"{invoice.number} · {invoice.client.name} · {due}"


class AllocationForm(CleanForm):
    invoice = forms.ModelChoiceField(
        label=_("Invoice"), queryset=Invoice.objects.none(), required=False
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        localize=True,
    )

    def __init__(self, *args: Any, invoices: QuerySet[Invoice], currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["invoice"]
        field.queryset = invoices
        field.widget = InvoicePicker(currency=currency)
        field.widget.choices = field.choices
        self.fields["amount"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "inputmode": "decimal",
                "placeholder": _("Amount"),
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        invoice, amount = data.get("invoice"), data.get("amount")
        if invoice and not amount:
            self.add_error("amount", _("Enter the amount paid on this invoice."))
        if amount and not invoice:
            self.add_error("invoice", _("Choose the invoice this amount pays."))
        if invoice and amount and amount > invoice.amount_due:
            self.add_error(
                "amount",
                _("More than the %(due)s due on %(number)s.")
                % {"due": invoice.amount_due, "number": invoice.number},
            )
        return data


class BaseAllocationFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, entry: Any, **kwargs: Any) -> None:
        self.entry = entry
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [
            (form.cleaned_data["invoice"], form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("invoice")
        ]
        if not rows:
            raise forms.ValidationError(_("Choose at least one invoice and amount."))
        if len({invoice.pk for invoice, _amount in rows}) < len(rows):
            raise forms.ValidationError(_("Each invoice only once, please."))
        total = sum((amount for _invoice, amount in rows), Decimal(0))
        if total > self.entry.amount:
            raise forms.ValidationError(
                _("The amounts add up to %(total)s, more than the %(amount)s received.")
                % {"total": total, "amount": self.entry.amount}
            )
        self.allocations = rows


AllocationFormSet = forms.formset_factory(
    AllocationForm, formset=BaseAllocationFormSet, extra=0, max_num=10, validate_max=True
)


def allocation_formset(entry: Any, user: Any, data: Any = None) -> BaseAllocationFormSet:
    """Return the formset for ``entry``: its proposal, then empty rows up to ALLOCATION_ROWS.

    The invoices offered are the user's open ones in the entry's currency: an id of anyone
    else's invoice is refused by the field like an unknown one.
    """
    proposal = [
        {"invoice": allocation.invoice_id, "amount": allocation.amount}
        for allocation in entry.allocations.all()
        if allocation.payment_id is None
    ]
    initial = proposal + [{}] * max(0, ALLOCATION_ROWS - len(proposal))
    invoices = Invoice.objects.owned_by(user).unpaid().filter(currency=entry.currency)
    return AllocationFormSet(
        data,
        initial=initial,
        entry=entry,
        form_kwargs={"invoices": invoices, "currency": entry.currency},
        prefix="allocation",
    )
