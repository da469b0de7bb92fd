"""Single e-mails outside the outbox (account mail, sender-address links) leave from here.

``mail_queue`` hands a rendered mail to the ``mail_deliver`` task after the request's commit:
the request never talks to the mail server, a slow or dead SMTP relay cannot hold a page, and a
rolled-back request sends nothing. Client mail goes through the outbox instead
(communications.outbox), the freelancer's portal notices through portal.tasks; all three build
and send with ``crm.mail``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from .mail import OutgoingMail, mail_send

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def mail_deliver(*, subject: str, text: str, html: str, to: list[str]) -> int:
    """Send one rendered e-mail through crm.mail (retried on network errors)."""
    return mail_send(OutgoingMail(subject=subject, text=text, html=html, to=to))


def mail_queue(mail: OutgoingMail) -> None:
    """Queue ``mail`` for ``mail_deliver`` once the current transaction commits.

    A broker that does not answer is logged, not raised: the page the freelancer is on works,
    and the log says which mail did not go.
    """
    payload = {"subject": mail.subject, "text": mail.text, "html": mail.html, "to": list(mail.to)}

    def enqueue() -> None:
        try:
            mail_deliver.delay(**payload)
        except Exception:  # kombu raises several types for a dead broker
            logger.exception("Could not queue the e-mail %r", mail.subject)

    transaction.on_commit(enqueue)
