"""Bank statements and what became of each booking in them.

A ``StatementImport`` is one uploaded (or command-line) file. Each booking in it is stored once
as a ``BankEntry`` under a key that is unique per freelancer, so a second import of the same
file or of an overlapping statement finds the entry and books nothing twice. An entry ends up
booked (automatically or by the freelancer), proposed, ignored or dismissed; its
``Allocation`` rows say which invoices it pays (with the ``Payment`` they created, once booked).
``KnownAccount`` remembers which IBAN paid for which client.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.models import OwnedModel, OwnedQuerySet, TimestampedModel
from projects.models import Invoice, Payment
from projects.models.project import MONEY


class BankAccount(OwnedModel):
    """One of the freelancer's own bank accounts, as statements name it."""

    iban = models.CharField(_("account"), max_length=42)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        ordering = ("iban",)
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "iban"], name="bank_account_unique"),
        ]

    def __str__(self) -> str:
        return self.iban


class StatementImport(OwnedModel):
    """One statement file read, with what came of it."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        COMMAND = "command", _("Command line")

    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64, editable=False)
    format = models.CharField(_("format"), max_length=20)
    statement_ids = models.CharField(_("statement"), max_length=200, blank=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD
    )
    entries_read = models.PositiveIntegerField(_("bookings read"), default=0)
    duplicates = models.PositiveIntegerField(_("already imported"), default=0)
    pending = models.PositiveIntegerField(_("not yet booked by the bank"), default=0)
    booked = models.PositiveIntegerField(_("booked"), default=0)
    proposed = models.PositiveIntegerField(_("to confirm"), default=0)
    ignored = models.PositiveIntegerField(_("ignored"), default=0)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")
        indexes: ClassVar = [
            models.Index(fields=["owner", "-created_at"], name="statement_owner_created"),
        ]

    def __str__(self) -> str:
        return self.file_name


class BankEntryQuerySet(OwnedQuerySet):
    def to_review(self) -> BankEntryQuerySet:
        """Return the entries that wait for the freelancer: proposals and notes to look at."""
        return self.filter(
            models.Q(state=BankEntry.State.PROPOSED) | models.Q(needs_attention=True)
        )


class BankEntry(OwnedModel):
    """One booking on a statement, and what was decided about it."""

    class Direction(models.TextChoices):
        CREDIT = "credit", _("Money in")
        DEBIT = "debit", _("Money out")

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked automatically")
        CONFIRMED = "confirmed", _("Booked by you")
        PROPOSED = "proposed", _("To confirm")
        IGNORED = "ignored", _("Ignored")
        DISMISSED = "dismissed", _("Not an invoice payment")

    statement = models.ForeignKey(StatementImport, on_delete=models.CASCADE, related_name="entries")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="entries")
    # The bank's reference for the entry where it gives one, else a hash of the booking's
    # content and its position among identical bookings (services.entry_key).
    key = models.CharField(max_length=64, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    booked_on = models.DateField(_("booking date"))
    value_on = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    is_reversal = models.BooleanField(_("reversal"), default=False)
    counterparty_name = models.CharField(_("payer or payee"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("their IBAN"), max_length=42, blank=True)
    remittance = models.TextField(_("remittance information"), blank=True)
    references = models.CharField(_("references"), max_length=300, blank=True)
    end_to_end_id = models.CharField(_("end-to-end reference"), max_length=80, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    bank_code = models.CharField(_("transaction code"), max_length=35, blank=True)
    posting_text = models.CharField(_("posting text"), max_length=140, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    # Why: a code and its values, put into words in the reader's language (reasons.py).
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    excess = models.DecimalField(_("paid more than due"), **MONEY, default=Decimal(0))
    needs_attention = models.BooleanField(_("needs your attention"), default=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = BankEntryQuerySet.as_manager()

    class Meta:
        ordering = ("booked_on", "position", "pk")
        verbose_name = _("bank entry")
        verbose_name_plural = _("bank entries")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "key"], name="bank_entry_key_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["statement", "position"], name="bank_entry_statement"),
            # The review list: one freelancer's open proposals and notes.
            models.Index(
                fields=["owner", "booked_on"],
                name="bank_entry_review",
                condition=models.Q(state="proposed") | models.Q(needs_attention=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.currency} {self.counterparty_name}"

    @property
    def reason_text(self) -> str:
        """Return why the entry is in its state, in the active language."""
        from .reasons import reason_text

        return reason_text(self.reason, self.reason_params)

    @property
    def is_credit(self) -> bool:
        return self.direction == self.Direction.CREDIT

    @property
    def is_open(self) -> bool:
        """Return whether the freelancer can still book it (nothing was booked from it yet)."""
        return (
            self.state in {self.State.PROPOSED, self.State.IGNORED}
            and self.is_credit
            and not self.is_reversal
        )


class AllocationQuerySet(OwnedQuerySet):
    owner_path = "entry__owner"


class Allocation(TimestampedModel):
    """Part of a bank entry paid to one invoice: proposed, or booked (then with its payment)."""

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ("pk",)
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["entry", "invoice"], name="allocation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class KnownAccount(OwnedModel):
    """An IBAN that paid for a client, learned from a booked payment."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    iban = models.CharField(_("IBAN"), max_length=42)
    name = models.CharField(_("account holder"), max_length=140, blank=True)
    learned_from = models.ForeignKey(
        BankEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("client__name", "iban")
        verbose_name = _("known account")
        verbose_name_plural = _("known accounts")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner", "client", "iban"], name="known_account_unique"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["owner", "iban"], name="known_account_iban")]

    def __str__(self) -> str:
        return f"{self.iban} ({self.client})"
