"""Whether an account may send mail to clients: its e-mail address is verified.

The state is django-allauth's ``EmailAddress`` (verified flag of the user's own address).
Other apps ask through ``account_mail_block_reason``; the sender identity of client mail
(issue 16) builds on ``email_verified`` too.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _


def email_verified(user: Any) -> bool:
    """Return whether ``user``'s current e-mail address has been confirmed."""
    if not getattr(user, "pk", None) or not user.email:
        return False
    return EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=user.email, verified=True
    ).exists()


def unconfirmed_reason(user: Any) -> str:
    """Return the hold reason of a message whose sender's address is not confirmed yet."""
    return _(
        "Held until you confirm your e-mail address: open the link we sent to "
        "%(email)s (Settings → Security can send it again)."
    ) % {"email": user.email}


def account_mail_block_reason(user: Any) -> str:
    """Return why ``user`` may not send mail to clients yet, or "" when they may."""
    return "" if email_verified(user) else unconfirmed_reason(user)
