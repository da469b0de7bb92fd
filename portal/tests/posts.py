"""What a client's browser posts to the portal, for the portal tests."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.models import PortalLink
from projects.models import Offer


def accept(client: Any, link: PortalLink, offer: Offer, /, **extra: Any) -> Any:
    """Post the acceptance form as Sabine Weber from 203.0.113.7 (``extra`` overrides fields)."""
    data = {
        "offer": offer.pk,
        "version": offer.version,
        "full_name": "Sabine Weber",
        "confirm": "on",
    }
    data.update(extra)
    return client.post(reverse("portal:accept", args=[link.token]), data, REMOTE_ADDR="203.0.113.7")


def ask_for_a_change(client: Any, link: PortalLink) -> Any:
    """Post the change form: a blog, in German."""
    return client.post(
        reverse("portal:change", args=[link.token]),
        {"title": "Blog", "description": "Wir hätten gern einen Blog."},
    )
