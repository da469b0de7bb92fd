"""Who may send mail to clients now: a confirmed account address, and sending quotas.

One hook in the dispatcher asks ``send_block_reason`` for every claimed message; a message
that may not go out yet is held with the reason, which the freelancer sees on the message.
Quotas count messages sent in the last 24 hours (rolling, so no time zone decides):
a new account (younger than ACCOUNTS_NEW_ACCOUNT_DAYS) at most ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS,
every account together at most ACCOUNTS_GLOBAL_DAILY_MAILS (0 turns a quota off).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.verification import account_mail_block_reason

from .models import Message

WINDOW = datetime.timedelta(hours=24)


@dataclass
class SendBudget:
    """What one dispatcher batch may still send: counts are read once, then kept in memory."""

    now: datetime.datetime
    global_sent: int | None = None
    owner_sent: dict[int, int] = field(default_factory=dict)
    owner_reason: dict[int, str] = field(default_factory=dict)

    def _sent_since(self, **filters: Any) -> int:
        return Message.objects.filter(
            status=Message.Status.SENT, sent_at__gte=self.now - WINDOW, **filters
        ).count()

    def block_reason(self, owner: Any) -> str:
        """Return why ``owner``'s next message may not go out now, or "" (and count it)."""
        if owner.pk not in self.owner_reason:
            self.owner_reason[owner.pk] = account_mail_block_reason(owner)
        if self.owner_reason[owner.pk]:
            return self.owner_reason[owner.pk]
        global_limit = settings.ACCOUNTS_GLOBAL_DAILY_MAILS
        if global_limit:
            if self.global_sent is None:
                self.global_sent = self._sent_since()
            if self.global_sent >= global_limit:
                return _(
                    "Held: the service's sending limit of %(limit)d client messages a day is "
                    "reached. Release it again later."
                ) % {"limit": global_limit}
        new_days = settings.ACCOUNTS_NEW_ACCOUNT_DAYS
        own_limit = settings.ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS
        if own_limit and owner.date_joined > self.now - datetime.timedelta(days=new_days):
            if owner.pk not in self.owner_sent:
                self.owner_sent[owner.pk] = self._sent_since(owner_id=owner.pk)
            if self.owner_sent[owner.pk] >= own_limit:
                return _(
                    "Held: during its first %(days)d days an account may send %(limit)d client "
                    "messages a day, and that many went out in the last 24 hours. Release it "
                    "again tomorrow."
                ) % {"days": new_days, "limit": own_limit}
        # Counted as sent now; a later failure only makes the batch more careful.
        self.owner_sent[owner.pk] = self.owner_sent.get(owner.pk, 0) + 1
        if self.global_sent is not None:
            self.global_sent += 1
        return ""


def held_for_verification_release(*, user: Any) -> int:
    """Send again the messages held because ``user``'s address was unconfirmed; return how many.

    Called when the address is confirmed (allauth's ``email_confirmed``). The hold reason was
    written in the worker's language, so both languages' wording is matched. Safe to run twice.
    """
    from django.utils import timezone, translation

    if account_mail_block_reason(user):
        return 0
    # The reason as it reads for an unconfirmed address, in each interface language.
    unconfirmed = type(user)(pk=user.pk, email=user.email)
    reasons = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reasons.add(_unconfirmed_reason(unconfirmed))
    return Message.objects.filter(
        owner=user, status=Message.Status.HELD, held_reason__in=reasons
    ).update_of_owner(
        user.pk,
        status=Message.Status.SCHEDULED,
        held_reason="",
        send_after=timezone.now(),
        updated_at=timezone.now(),
    )


def _unconfirmed_reason(user: Any) -> str:
    from accounts import verification

    return verification.unconfirmed_reason(user)[:300]


def email_confirmed_receiver(
    sender: Any, request: Any = None, email_address: Any = None, **kwargs: Any
) -> None:
    """allauth's ``email_confirmed``: release what waited for the confirmation."""
    if email_address is not None:
        held_for_verification_release(user=email_address.user)
