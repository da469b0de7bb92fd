"""Deciding what a bank credit pays: pure functions over rows loaded once per import.

``Matcher`` holds the freelancer's issued invoices, known payer accounts and client names in
memory, so matching a statement of any length costs the same few queries. ``decide`` looks at
one booking and returns a ``Decision``; ``apply`` then lowers the in-memory amounts due, so a
second payment of the same invoice further down the statement is seen as such.

The rules, in order (docs/banking.md explains them to the freelancer):

1. Invoice numbers in the remittance text or references (tolerant of spaces, dashes, line
   breaks and prefixes such as "RE", "Rechnung", "Invoice", "Rg."): the amount due of the
   named open invoices of one client is paid exactly or more (the excess is noted) -> booked;
   less -> proposed as a partial payment; several clients, a payer account known for another
   client, another currency, or only invoices already paid -> proposed for a decision.
2. No number, but the payer's IBAN is known for a client: exactly one open invoice of that
   amount, or exactly all of the client's open invoices -> booked; otherwise proposed (the
   invoices adding up to it, the oldest of several equal ones, else oldest first).
3. No number, unknown account: the payer's name looks like a client's, or exactly one open
   invoice has this amount -> proposed. Anything else is ignored and shown as unrelated.
Debits, reversals and entries the bank has not booked yet are never booked.
"""

from __future__ import annotations

import datetime
import itertools
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .formats import CREDIT, ParsedEntry

ZERO = Decimal(0)
MIN_KEY_LENGTH = 5  # shorter invoice numbers ("17") would be found in every date and amount
SUBSET_LIMIT = 10  # open invoices of one client searched for a combination adding up exactly
LEGAL_FORMS = {
    "GMBH", "AG", "KG", "OHG", "UG", "EK", "EV", "GBR", "MBH", "CO", "UND", "LTD", "LIMITED",
    "INC", "LLC", "PLC", "SARL", "SAS", "BV", "NV", "HAFTUNGSBESCHRAENKT", "THE",
}  # fmt: skip


class State:
    BOOKED = "booked"
    PROPOSED = "proposed"
    IGNORED = "ignored"


@dataclass
class InvoiceRow:
    """What matching needs to know about one issued invoice."""

    id: int
    number: str
    client_id: int
    client_name: str
    currency: str
    due: Decimal  # total gross minus paid; zero for paid and cancelled invoices
    due_on: datetime.date | None
    is_open: bool

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.due_on or datetime.date.max, self.number, self.id)


@dataclass
class Decision:
    """What to do with one booking, and why (a reason code and its values)."""

    state: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    allocations: list[tuple[InvoiceRow, Decimal]] = field(default_factory=list)
    excess: Decimal = ZERO
    needs_attention: bool = False


def compact(text: str) -> tuple[str, list[int]]:
    """Return the letters and digits of ``text`` in upper case, with their positions in it."""
    chars, positions = [], []
    for index, char in enumerate(text):
        if char.isalnum():
            chars.append(char.upper())
            positions.append(index)
    return "".join(chars), positions


def number_key(number: str) -> str:
    """Return how an invoice number is searched: letters and digits only, without a leading
    prefix of letters ("RE-2026-0042" and "2026-0042" are both "20260042")."""
    key, _positions = compact(number)
    stripped = key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if any(char.isdigit() for char in stripped) and len(stripped) >= MIN_KEY_LENGTH:
        return stripped
    return key if len(key) >= MIN_KEY_LENGTH else ""


def name_tokens(name: str) -> tuple[str, ...]:
    """Return the words of a name that identify it (no legal forms, no accents, upper case)."""
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    plain = "".join(char for char in plain if not unicodedata.combining(char)).upper()
    words = "".join(char if char.isalnum() else " " for char in plain).split()
    return tuple(word for word in words if word not in LEGAL_FORMS)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


class Matcher:
    """The freelancer's invoices and known accounts, indexed for matching."""

    def __init__(
        self,
        invoices: list[InvoiceRow],
        known_accounts: dict[str, set[int]],
        client_names: dict[int, str],
    ) -> None:
        self.invoices = {row.id: row for row in invoices}
        self.by_key: dict[str, list[InvoiceRow]] = defaultdict(list)
        for row in invoices:
            if key := number_key(row.number):
                self.by_key[key].append(row)
        self.key_lengths = sorted({len(key) for key in self.by_key}, reverse=True)
        self.open_by_client: dict[int, list[InvoiceRow]] = defaultdict(list)
        self.open_by_amount: dict[tuple[str, Decimal], set[int]] = defaultdict(set)
        self.open_currencies: set[str] = set()
        for row in sorted(invoices, key=lambda row: row.sort_key):
            if row.is_open and row.due > 0:
                self.open_by_client[row.client_id].append(row)
                self.open_by_amount[(row.currency, row.due)].add(row.id)
                self.open_currencies.add(row.currency)
        self.known_accounts = known_accounts
        self.client_names = client_names
        self.clients_by_word: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        for client_id, name in client_names.items():
            tokens = name_tokens(name)
            if tokens and len("".join(tokens)) >= 3:
                self.clients_by_word[tokens[0]].append((client_id, tokens))

    # --- finding ---------------------------------------------------------------------------

    def numbers_in(self, texts: list[str]) -> list[InvoiceRow]:
        """Return the invoices whose numbers appear in ``texts``, in order of appearance."""
        found: dict[int, InvoiceRow] = {}
        for text in texts:
            letters, positions = compact(text)
            hits: list[tuple[int, str]] = []
            for length in self.key_lengths:
                for start in range(len(letters) - length + 1):
                    window = letters[start : start + length]
                    if window not in self.by_key:
                        continue
                    # A digit right before or after the number in the original text means it is
                    # part of a longer number (an IBAN, another invoice's number), not this one.
                    first, last = positions[start], positions[start + length - 1]
                    before = text[first - 1] if first else ""
                    after = text[last + 1] if last + 1 < len(text) else ""
                    if (window[0].isdigit() and before.isdigit()) or (
                        window[-1].isdigit() and after.isdigit()
                    ):
                        continue
                    hits.append((start, window))
            for _start, window in sorted(hits):
                for row in self.by_key[window]:
                    found.setdefault(row.id, row)
        return list(found.values())

    def clients_named(self, name: str) -> set[int]:
        """Return the clients whose whole name (without legal form) appears in ``name``."""
        tokens = name_tokens(name)
        words = set(tokens)
        found = set()
        for word in words:
            for client_id, client_tokens in self.clients_by_word.get(word, []):
                if set(client_tokens) <= words:
                    found.add(client_id)
        return found

    def open_of(self, client_ids: set[int], currency: str) -> list[InvoiceRow]:
        rows = [
            row
            for client_id in client_ids
            for row in self.open_by_client.get(client_id, [])
            if row.currency == currency and row.due > 0
        ]
        return sorted(rows, key=lambda row: row.sort_key)

    # --- deciding --------------------------------------------------------------------------

    def decide(self, entry: ParsedEntry) -> Decision:
        """Return what to do with one booking (nothing is changed; see ``apply``)."""
        if entry.direction != CREDIT:
            if entry.is_reversal:
                return Decision(State.IGNORED, "reversal_unbooked")
            return Decision(State.IGNORED, "debit")
        if entry.is_reversal:
            return Decision(State.IGNORED, "reversed_debit")
        texts = [entry.remittance, *entry.references]
        named = self.numbers_in([text for text in texts if text])
        if named:
            return self._by_number(entry, named)
        known = self.known_accounts.get(entry.counterparty_iban, set())
        if known:
            return self._by_account(entry, known)
        return self._by_name_or_amount(entry)

    def _by_number(self, entry: ParsedEntry, named: list[InvoiceRow]) -> Decision:
        amount, currency = entry.amount, entry.currency
        numbers = [row.number for row in named]
        open_rows = [row for row in named if row.is_open and row.due > 0]
        closed = [row.number for row in named if not (row.is_open and row.due > 0)]
        if not open_rows:
            client = self.client_names.get(named[0].client_id, "")
            return Decision(
                State.PROPOSED,
                "named_paid",
                {"numbers": numbers, "client": client},
                needs_attention=True,
            )
        same = [row for row in open_rows if row.currency == currency]
        if not same:
            return Decision(
                State.PROPOSED,
                "named_currency",
                {
                    "numbers": [row.number for row in open_rows],
                    "invoice_currency": open_rows[0].currency,
                    "currency": currency,
                },
            )
        same.sort(key=lambda row: row.sort_key)
        clients = {row.client_id for row in same}
        if len(clients) > 1:
            return self._propose_oldest_first(
                entry, same, "named_clients", {"numbers": [row.number for row in same]}
            )
        client_id = same[0].client_id
        client = self.client_names.get(client_id, "")
        params: dict[str, Any] = {"numbers": [row.number for row in same], "client": client}
        if closed:
            params["closed"] = closed
        known = self.known_accounts.get(entry.counterparty_iban, set())
        if known and client_id not in known:
            others = sorted(self.client_names.get(other, "") for other in known)
            return self._propose_oldest_first(
                entry, same, "named_other_account", {**params, "other": ", ".join(others)}
            )
        total = sum((row.due for row in same), ZERO)
        if amount == total:
            return Decision(State.BOOKED, "named_exact", params, [(row, row.due) for row in same])
        if amount > total:
            excess = amount - total
            return Decision(
                State.BOOKED,
                "named_overpaid",
                {**params, "excess": money(excess, currency)},
                [(row, row.due) for row in same],
                excess=excess,
                needs_attention=True,
            )
        return self._propose_oldest_first(
            entry, same, "named_partial", {**params, "due": money(total, currency)}
        )

    def _by_account(self, entry: ParsedEntry, known: set[int]) -> Decision:
        amount, currency = entry.amount, entry.currency
        client = ", ".join(sorted(self.client_names.get(c, "") for c in known))
        candidates = self.open_of(known, currency)
        params: dict[str, Any] = {"client": client}
        if not candidates:
            return Decision(
                State.PROPOSED,
                "account_nothing_open",
                {**params, "currency": currency},
                needs_attention=True,
            )
        exact = [row for row in candidates if row.due == amount]
        if len(exact) == 1 and len(known) == 1:
            return Decision(
                State.BOOKED,
                "account_exact",
                {**params, "numbers": [exact[0].number]},
                [(exact[0], amount)],
            )
        if exact:
            # Several invoices of this amount, or an account that paid for several clients.
            reason = "account_same_amount" if len(exact) > 1 else "account_exact"
            return Decision(
                State.PROPOSED,
                reason,
                {**params, "numbers": [exact[0].number], "count": len(exact)},
                [(exact[0], amount)],
            )
        total = sum((row.due for row in candidates), ZERO)
        if len(known) == 1 and amount == total:
            return Decision(
                State.BOOKED,
                "account_all",
                {**params, "numbers": [row.number for row in candidates]},
                [(row, row.due) for row in candidates],
            )
        subset = self._unique_subset(candidates, amount)
        if subset:
            return Decision(
                State.PROPOSED,
                "account_subset",
                {**params, "numbers": [row.number for row in subset]},
                [(row, row.due) for row in subset],
            )
        return self._propose_oldest_first(entry, candidates, "account_oldest", params)

    def _by_name_or_amount(self, entry: ParsedEntry) -> Decision:
        amount, currency = entry.amount, entry.currency
        if self.open_currencies and currency not in self.open_currencies:
            return Decision(State.IGNORED, "foreign_currency", {"currency": currency})
        named_clients = self.clients_named(entry.counterparty_name)
        if named_clients:
            candidates = self.open_of(named_clients, currency)
            exact = [row for row in candidates if row.due == amount]
            if exact:
                client = self.client_names.get(exact[0].client_id, "")
                return Decision(
                    State.PROPOSED,
                    "name_amount",
                    {"client": client, "numbers": [exact[0].number], "count": len(exact)},
                    [(exact[0], amount)],
                )
            if candidates:
                client = self.client_names.get(candidates[0].client_id, "")
                return self._propose_oldest_first(
                    entry, candidates, "name_oldest", {"client": client}
                )
        same_amount = self.open_by_amount.get((currency, amount), set())
        if len(same_amount) == 1:
            row = self.invoices[next(iter(same_amount))]
            return Decision(
                State.PROPOSED,
                "amount_only",
                {"numbers": [row.number], "client": self.client_names.get(row.client_id, "")},
                [(row, amount)],
            )
        if same_amount:
            return Decision(State.IGNORED, "amount_ambiguous", {"count": len(same_amount)})
        return Decision(State.IGNORED, "unrelated")

    def _propose_oldest_first(
        self, entry: ParsedEntry, rows: list[InvoiceRow], reason: str, params: dict[str, Any]
    ) -> Decision:
        """Propose paying ``rows`` oldest first with the entry's amount; note what is left."""
        left = entry.amount
        allocations = []
        for row in rows:
            if left <= 0:
                break
            part = min(row.due, left)
            allocations.append((row, part))
            left -= part
        return Decision(State.PROPOSED, reason, params, allocations, excess=left)

    def _unique_subset(self, rows: list[InvoiceRow], amount: Decimal) -> list[InvoiceRow]:
        """Return the one combination of ``rows`` whose amounts due add up to ``amount``."""
        rows = rows[:SUBSET_LIMIT]
        cents = [int(row.due * 100) for row in rows]
        target = int(amount * 100)
        found: tuple[int, ...] = ()
        for size in range(2, len(rows) + 1):
            for combination in itertools.combinations(range(len(rows)), size):
                if sum(cents[index] for index in combination) == target:
                    if found:
                        return []  # two combinations fit: do not guess
                    found = combination
        return [rows[index] for index in found]

    # --- after deciding --------------------------------------------------------------------

    def apply(self, decision: Decision, entry: ParsedEntry) -> None:
        """Lower the amounts due by a booked decision, and learn the payer's account."""
        if decision.state != State.BOOKED:
            return
        for row, amount in decision.allocations:
            self.open_by_amount[(row.currency, row.due)].discard(row.id)
            row.due -= amount
            if row.due > 0:
                self.open_by_amount[(row.currency, row.due)].add(row.id)
            else:
                row.is_open = False
        if entry.counterparty_iban and decision.allocations:
            self.known_accounts.setdefault(entry.counterparty_iban, set()).update(
                row.client_id for row, _amount in decision.allocations
            )

    def undo(self, decision: Decision) -> None:
        """Give back the amounts of a booked decision that could not be booked after all."""
        for row, amount in decision.allocations:
            self.open_by_amount[(row.currency, row.due)].discard(row.id)
            row.due += amount
            row.is_open = True
            self.open_by_amount[(row.currency, row.due)].add(row.id)
