"""Which client a received mail is from: the thread first, then the sender's address.

Only the mailbox owner's clients are ever considered. The thread wins because it is exact: a
mail whose In-Reply-To or References names a Message-ID the outbox sent belongs to that
message's client, whoever wrote it (a colleague replying to all). The sender's address is
compared with the clients' and their contacts' addresses, case-insensitively; an address that
belongs to several clients matches none of them (the mail waits in "Inbox to sort", with those
clients offered).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower

from clients.models import Client, Contact
from communications.models import Message

from .models import InboundMail
from .parsing import ParsedMail

# Free-mail domains say nothing about the company behind an address.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "outlook.com",
        "outlook.de",
        "hotmail.com",
        "hotmail.de",
        "live.com",
        "live.de",
        "yahoo.com",
        "yahoo.de",
        "icloud.com",
        "me.com",
        "mail.de",
        "posteo.de",
        "mailbox.org",
        "freenet.de",
        "aol.com",
        "protonmail.com",
        "proton.me",
    }
)


@dataclass
class Match:
    client: Client | None = None
    by: str = ""
    answers: Message | None = None


def suggestions_for(*, owner_id: int, mails: list[InboundMail]) -> dict[int, list[Client]]:
    """Return, per mail, the clients it may be from: same address, else same company domain.

    For a page of "Inbox to sort" at once (three queries, whatever the page size).
    """
    addresses = {mail.from_address.lower() for mail in mails if mail.from_address}
    if not addresses:
        return {}
    by_address: dict[str, set[int]] = {}
    for pk, email in (
        Client.objects.annotate(email_lower=Lower("email"))
        .filter(owner_id=owner_id, email_lower__in=addresses)
        .values_list("pk", "email_lower")
    ):
        by_address.setdefault(email, set()).add(pk)
    for pk, email in (
        Contact.objects.annotate(email_lower=Lower("email"))
        .filter(client__owner_id=owner_id, email_lower__in=addresses)
        .values_list("client_id", "email_lower")
    ):
        by_address.setdefault(email, set()).add(pk)
    domains = {a.rpartition("@")[2] for a in addresses} - PUBLIC_DOMAINS - {""}
    domain_query = Q()
    for domain in domains:
        domain_query |= Q(email__iendswith=f"@{domain}")
    wanted = set().union(*by_address.values()) if by_address else set()
    clients = list(
        Client.objects.filter(owner_id=owner_id)
        .filter(Q(pk__in=wanted) | (domain_query if domains else Q(pk__in=[])))
        .only("pk", "name", "email")
        .order_by("name", "pk")
    )
    result = {}
    for mail in mails:
        address = mail.from_address.lower()
        domain = address.rpartition("@")[2]
        exact = by_address.get(address, set())
        chosen = [client for client in clients if client.pk in exact]
        if not chosen and domain not in PUBLIC_DOMAINS:
            same_domain = [c for c in clients if c.email.lower().endswith(f"@{domain}")]
            # A domain several clients share is a provider's, not a company's: no guess.
            chosen = same_domain if len(same_domain) == 1 else []
        result[mail.pk] = chosen[:3]
    return result


def mails_match(*, owner_id: int, mails: list[ParsedMail], own_addresses: set[str]) -> list[Match]:
    """Return the match of each mail (three queries for a whole batch)."""
    wanted = {
        message_id for parsed in mails for message_id in [*parsed.in_reply_to, *parsed.references]
    }
    sent = {}
    if wanted:
        sent = {
            message.message_id: message
            for message in Message.objects.filter(
                owner_id=owner_id, message_id__in=[f"<{message_id}>" for message_id in wanted]
            ).select_related("client")
        }
    matches: list[Match | None] = []
    for parsed in mails:
        found = None
        for message_id in dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]):
            message = sent.get(f"<{message_id}>")
            if message is not None:
                found = Match(
                    client=message.client, by=InboundMail.MatchedBy.THREAD, answers=message
                )
                break
        matches.append(found)
    addresses = {
        parsed.from_address
        for parsed, match in zip(mails, matches, strict=True)
        if match is None and parsed.from_address and parsed.from_address not in own_addresses
    }
    by_address: dict[str, dict[int, Client]] = {}
    if addresses:
        for client in Client.objects.annotate(email_lower=Lower("email")).filter(
            owner_id=owner_id, email_lower__in=addresses
        ):
            by_address.setdefault(client.email_lower, {})[client.pk] = client
        for contact in (
            Contact.objects.annotate(email_lower=Lower("email"))
            .filter(client__owner_id=owner_id, email_lower__in=addresses)
            .select_related("client")
        ):
            by_address.setdefault(contact.email_lower, {})[contact.client_id] = contact.client
    result = []
    for parsed, match in zip(mails, matches, strict=True):
        if match is None:
            clients = (
                by_address.get(parsed.from_address, {})
                if parsed.from_address not in own_addresses
                else {}
            )
            # An address of several clients matches none: the mail waits to be sorted.
            match = (
                Match(client=next(iter(clients.values())), by=InboundMail.MatchedBy.SENDER)
                if len(clients) == 1
                else Match()
            )
        result.append(match)
    return result


def mail_match(*, owner_id: int, parsed: ParsedMail, own_addresses: set[str]) -> Match:
    """Return the client ``parsed`` is from (or an empty match)."""
    return mails_match(owner_id=owner_id, mails=[parsed], own_addresses=own_addresses)[0]
