"""Reads about offers."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Offer


def offer_versions(offer: Offer) -> QuerySet[Offer]:
    """Return every version of the offer's number, oldest first."""
    return Offer.objects.filter(owner_id=offer.owner_id, number=offer.number).order_by("version")
