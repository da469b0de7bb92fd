"""Celery tasks of the accounts app: account e-mail goes out here, never in a request."""

from __future__ import annotations

from celery import shared_task

from crm.mail import OutgoingMail, mail_send


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def account_mail_send(*, subject: str, text: str, html: str, to: list[str]) -> int:
    """Send one rendered account e-mail through crm.mail (retried on network errors)."""
    mail = OutgoingMail(subject=subject, text=text, html=html, to=to)
    return mail_send(mail)
