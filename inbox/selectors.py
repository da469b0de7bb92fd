"""Reads of the inbox for other pages (the client page's section)."""

from __future__ import annotations

from typing import Any

from clients.models import Client

from .models import InboundMail

CLIENT_MAILS = 5


def client_mails_data(client: Client) -> dict[str, Any]:
    """Return the client's latest received mails for the client page (one query)."""
    mails = list(
        InboundMail.objects.filter(client=client)
        .only("pk", "subject", "received_at", "automatic", "from_address")
        .order_by("-received_at", "-pk")[: CLIENT_MAILS + 1]
    )
    return {"mails": mails[:CLIENT_MAILS], "more": len(mails) > CLIENT_MAILS}
