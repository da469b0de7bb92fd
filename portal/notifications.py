"""The freelancer's e-mails about their client portal: an offer accepted, a change asked for.

Sent by the tasks in ``portal.tasks`` after the client's request committed, in the freelancer's
language, to their account address, through the one mail helper (``crm.mail``).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.mail import OutgoingMail, mail_send
from projects.models import ChangeRequest, Offer


def _send(owner: Any, subject: str, text: str) -> bool:
    """Send one mail to the freelancer; return False when they have no address."""
    address = owner.email or owner.profile_or_default.reply_address
    if not address:
        return False
    mail_send(OutgoingMail(subject=subject, text=text, to=[address]))
    return True


def owner_language(owner: Any) -> str:
    """Return the freelancer's interface language (their timeline and mail are in it)."""
    return owner.profile_or_default.language or settings.LANGUAGE_CODE


def _owner_zone(owner: Any) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(owner.profile_or_default.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def notify_offer_accepted(*, offer_id: int) -> bool:
    """Mail the freelancer that the client accepted the offer in the portal. Not idempotent."""
    offer = Offer.objects.select_related("project__client", "owner__profile").get(pk=offer_id)
    with translation.override(owner_language(offer.owner)):
        subject = _("%(client)s accepted offer %(offer)s") % {
            "client": offer.project.client.name,
            "offer": str(offer),
        }
        text = _(
            "%(name)s accepted offer %(offer)s for the project “%(project)s” in the client "
            "portal on %(when)s (IP %(ip)s)."
        ) % {
            "name": offer.accepted_by_name,
            "offer": str(offer),
            "project": offer.project.title,
            "when": timezone.localtime(offer.accepted_at, _owner_zone(offer.owner)).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "ip": offer.accepted_ip or "-",
        }
    return _send(offer.owner, subject, text)


def notify_change_requested(*, change_request_id: int) -> bool:
    """Mail the freelancer about a change request from the portal. Not idempotent."""
    change = ChangeRequest.objects.select_related("project__client", "owner__profile").get(
        pk=change_request_id
    )
    with translation.override(owner_language(change.owner)):
        subject = _("%(client)s asked for a change: %(title)s") % {
            "client": change.project.client.name,
            "title": change.title,
        }
        text = _("Project “%(project)s”.") % {"project": change.project.title}
    return _send(change.owner, subject, f"{text}\n\n{change.description}")
