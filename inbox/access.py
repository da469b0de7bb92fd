"""Access helpers of the inbox: another freelancer's id looks missing (404)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from .models import InboundMail, MailAttachment


def access_mail(user: Any, mail_id: int) -> InboundMail:
    """Return the user's received mail or raise Http404."""
    return get_object_or_404(
        InboundMail.objects.owned_by(user).select_related("client", "answers", "mailbox"),
        pk=mail_id,
    )


def access_attachment(user: Any, attachment_id: int) -> MailAttachment:
    """Return an attachment of one of the user's mails or raise Http404."""
    return get_object_or_404(
        MailAttachment.objects.owned_by(user).select_related("mail", "blob"), pk=attachment_id
    )
