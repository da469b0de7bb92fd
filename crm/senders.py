"""Who a freelancer's client mail comes from: their own verified address, or the operator's.

An installation chooses with ``CLIENT_MAIL_FROM`` (docs/deploy.md explains the DNS it needs):

* ``operator`` (default): From the operator's address (``DEFAULT_FROM_EMAIL``) under the
  freelancer's name, Reply-To the freelancer. Works with any mail server, no DNS per freelancer.
* ``freelancer``: From the freelancer's own address once they have proven it is theirs (a link
  mailed to it) and its domain is one the operator's server may send for
  (``CLIENT_MAIL_FROM_DOMAINS``, empty = any domain). Until then, the operator's address as above.

The Message-ID's domain is the sender's domain when sending as the freelancer, else the host of
``SITE_URL`` (never a made-up domain); the Date header carries the freelancer's UTC offset.
"""

from __future__ import annotations

import datetime
import ipaddress
import zoneinfo
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.utils import timezone

from .models import Profile

VERIFY_SALT = "crm.sender-address"
VERIFY_MAX_AGE = datetime.timedelta(days=3)


@dataclass(frozen=True)
class Sender:
    """The From and Reply-To of one freelancer's client mail, and what the headers derive from."""

    from_email: str  # "Name <address>", for the From header and the envelope
    reply_to: str
    msgid_domain: str
    time_zone: str
    own_address: bool  # sent From the freelancer's own address


def display_address(name: str, address: str) -> str:
    """Return ``"Name" <address>`` with the name quoted (commas, quotes and umlauts are safe)."""
    name = " ".join(name.split()).replace("\\", "").replace('"', "'")
    return f'"{name}" <{address}>' if name else address


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def site_domain() -> str:
    """Return the host of SITE_URL, or "" when it is an IP address (no domain to name)."""
    host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return ""


def sender_domain_allowed(address: str) -> bool:
    """Return whether the operator's server may send From this address's domain."""
    allowed = [d.lower().lstrip("@") for d in getattr(settings, "CLIENT_MAIL_FROM_DOMAINS", [])]
    domain = domain_of(address)
    return not allowed or any(domain == d or domain.endswith("." + d) for d in allowed)


def sender_can_use_own(profile: Profile) -> bool:
    """Return whether this freelancer's mail goes From their own address right now."""
    return (
        getattr(settings, "CLIENT_MAIL_FROM", "operator") == "freelancer"
        and bool(profile.sender_email)
        and profile.sender_verified_at is not None
        and sender_domain_allowed(profile.sender_email)
    )


def sender_for(profile: Profile) -> Sender:
    """Return who the freelancer's client mail comes from (see the module docstring)."""
    _operator_name, operator = parseaddr(settings.DEFAULT_FROM_EMAIL)
    reply = profile.reply_address
    if sender_can_use_own(profile):
        own = profile.sender_email
        return Sender(
            from_email=display_address(profile.name, own),
            reply_to=reply if reply.lower() != own.lower() else "",
            msgid_domain=domain_of(own),
            time_zone=profile.time_zone,
            own_address=True,
        )
    return Sender(
        from_email=display_address(profile.name, operator),
        reply_to=reply,
        msgid_domain=site_domain() or domain_of(operator),
        time_zone=profile.time_zone,
        own_address=False,
    )


def mail_date(time_zone: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """Return ``now`` in the sender's time zone (the Date header then shows their offset)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return (now or timezone.now()).astimezone(zone)


# --- Proving the address ---------------------------------------------------------------------


def sender_token(profile: Profile) -> str:
    """Return the signed token of the confirmation link for the profile's sender address."""
    return signing.dumps(
        {"u": profile.user_id, "e": profile.sender_email.lower()}, salt=VERIFY_SALT
    )


def sender_address_set(*, profile: Profile, address: str) -> bool:
    """Set the address client mail should come from; return whether a confirmation is needed.

    A changed address is unverified until its link is opened; the same address keeps its state
    (safe to run twice).
    """
    address = address.strip()
    if address.lower() == profile.sender_email.lower():
        return bool(address) and profile.sender_verified_at is None
    profile.sender_email = address
    # The account's own address, confirmed at sign-up (allauth's EmailAddress), needs no
    # second link: one proof per address.
    proven = bool(address) and account_address_verified(profile.user_id, address)
    profile.sender_verified_at = timezone.now() if proven else None
    profile.save(update_fields=["sender_email", "sender_verified_at", "updated_at"])
    return bool(address) and not proven


def account_address_verified(user_id: int, address: str) -> bool:
    """Return whether ``address`` is one of the user's account addresses, confirmed by link."""
    return EmailAddress.objects.filter(
        user_id=user_id, email__iexact=address, verified=True
    ).exists()


class SenderTokenError(Exception):
    """The confirmation link is broken, expired or for an address no longer chosen."""


def sender_token_check(token: str) -> Profile:
    """Return the profile a valid confirmation link belongs to, or raise SenderTokenError."""
    try:
        data: Any = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE.total_seconds())
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature too
        raise SenderTokenError(str(exc)) from exc
    profile = Profile.objects.select_related("user").filter(user_id=data.get("u")).first()
    if profile is None or profile.sender_email.lower() != str(data.get("e", "")).lower():
        raise SenderTokenError("address changed")
    return profile


def sender_verify(*, profile: Profile) -> Profile:
    """Mark the profile's sender address as proven. Safe to run twice (keeps the first time)."""
    if profile.sender_verified_at is None:
        profile.sender_verified_at = timezone.now()
        profile.save(update_fields=["sender_verified_at", "updated_at"])
    return profile


def sender_context(profile: Profile) -> dict[str, Any]:
    """Return what the settings page and the setup show about the sender address."""
    from .forms import SenderAddressForm

    return {
        "sender": sender_for(profile),
        "sender_profile": profile,
        "sender_mode": getattr(settings, "CLIENT_MAIL_FROM", "operator"),
        "sender_domain_allowed": not profile.sender_email
        or sender_domain_allowed(profile.sender_email),
        "sender_form": SenderAddressForm(
            prefix="sender", initial={"sender_email": profile.sender_email}
        ),
    }
