"""The link that proves a sender address is the freelancer's: mailed, at most once in a while."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .mail import OutgoingMail
from .models import Profile
from .senders import sender_token
from .tasks import mail_queue

logger = logging.getLogger(__name__)

# One confirmation mail per freelancer in this time: the form must not become a way to send
# mail to strangers' addresses in bulk.
CONFIRMATION_INTERVAL = datetime.timedelta(minutes=2)


def sender_confirmation_send(*, profile: Profile) -> bool:
    """Mail the confirmation link to the sender address, after commit; return whether it goes.

    At most one mail per freelancer in ``CONFIRMATION_INTERVAL`` (kept in the cache; a cache
    that does not answer lets the mail go).
    """
    if not profile.sender_email:
        return False
    key = f"sender-confirmation:{profile.user_id}"
    try:
        first = cache.add(key, 1, timeout=CONFIRMATION_INTERVAL.total_seconds())
    except Exception:  # no cache: send; the interval is a courtesy, not a lock
        logger.warning("No cache for the sender-link interval", exc_info=True)
        first = True
    if not first:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse(
        "crm:sender_verify", args=[sender_token(profile)]
    )
    with translation.override(profile.language):
        context = {"name": profile.name, "link": link, "address": profile.sender_email}
        subject = " ".join(render_to_string("crm/sender_verify_subject.txt", context).split())
        body = render_to_string("crm/sender_verify_email.txt", context)
    mail_queue(OutgoingMail(subject=subject, text=body, to=[profile.sender_email]))
    return True
