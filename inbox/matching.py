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


def match_by_thread(*, owner_id: int, parsed: ParsedMail) -> Match:
    """Return the client of the outbox message this mail answers, if it names one."""
    # In-Reply-To first, then References from the newest (last) backwards.
    wanted = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
    if not wanted:
        return Match()
    candidates = {
        message.message_id: message
        for message in Message.objects.filter(
            owner_id=owner_id, message_id__in=[f"<{message_id}>" for message_id in wanted]
        ).select_related("client")
    }
    for message_id in wanted:
        message = candidates.get(f"<{message_id}>")
        if message is not None:
            return Match(client=message.client, by=InboundMail.MatchedBy.THREAD, answers=message)
    return Match()


def clients_with_address(*, owner_id: int, address: str) -> list[Client]:
    """Return the owner's clients whose own or a contact's address is ``address`` (any case)."""
    address = address.strip().lower()
    if not address:
        return []
    direct = Client.objects.annotate(email_lower=Lower("email")).filter(
        owner_id=owner_id, email_lower=address
    )
    via_contact = Contact.objects.annotate(email_lower=Lower("email")).filter(
        client__owner_id=owner_id, email_lower=address
    )
    return list(
        Client.objects.filter(pk__in=direct.values("pk"))
        .union(Client.objects.filter(pk__in=via_contact.values("client_id")))
        .order_by("name")
    )


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
            chosen = [c for c in clients if c.email.lower().endswith(f"@{domain}")]
        result[mail.pk] = chosen[:3]
    return result


def mail_match(*, owner_id: int, parsed: ParsedMail, own_addresses: set[str]) -> Match:
    """Return the client ``parsed`` is from, or suggestions for sorting it by hand."""
    match = match_by_thread(owner_id=owner_id, parsed=parsed)
    if match.client is not None:
        return match
    if parsed.from_address in own_addresses:
        return Match()  # the freelancer's own mail (a copy to self) is nobody's reply
    clients = clients_with_address(owner_id=owner_id, address=parsed.from_address)
    if len(clients) == 1:
        return Match(client=clients[0], by=InboundMail.MatchedBy.SENDER)
    return Match()
