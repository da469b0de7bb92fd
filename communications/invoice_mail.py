"""The invoice e-mail: issue an invoice and draft the mail that carries it to the client.

"Issue and send" on the invoice page issues a draft invoice (its number, its frozen Factur-X
PDF) and drafts the "invoice sent" message in the client's tone, with the PDF attached at send
time (``communications.attachments``). "Send" does the same for an invoice issued already. The
mail is a draft: the freelancer reads it and approves it, then the dispatcher sends it; the
outbox puts it on the client's timeline.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from projects.models import Invoice
from projects.services.invoices import invoice_issue

from .models import Message
from .services import message_compose

# A mail in one of these states is still on its way (or waits for the freelancer's decision):
# "send" opens it instead of writing a second one.
UNFINISHED = (
    Message.Status.DRAFT,
    Message.Status.SCHEDULED,
    Message.Status.HELD,
    Message.Status.SENDING,
    Message.Status.FAILED,
    Message.Status.UNCERTAIN,
)


class InvoiceMailError(ValueError):
    """The invoice cannot be sent (no e-mail address, cancelled); the text says what to do."""


def invoice_mail_draft(*, invoice: Invoice) -> tuple[Message, bool]:
    """Draft the e-mail that carries the issued ``invoice``; return ``(message, created)``.

    An unfinished mail of this invoice is returned as it is, so a double click drafts one; once
    the earlier mails went out (or were cancelled) a new one is drafted, to send the invoice
    again. Race prevented: two requests drafting at once compute the same dedupe key and the
    unique (owner, dedupe_key) constraint keeps one row.
    """
    earlier = Message.objects.filter(invoice=invoice, kind=Message.Kind.INVOICE_SENT)
    unfinished = earlier.filter(status__in=UNFINISHED).order_by("-created_at").first()
    if unfinished is not None:
        return unfinished, False
    count = earlier.count()
    suffix = f":{count + 1}" if count else ""
    return message_compose(
        kind=Message.Kind.INVOICE_SENT,
        client=invoice.client,
        dedupe_key=f"invoice_sent:invoice:{invoice.pk}{suffix}",
        status=Message.Status.DRAFT,
        project=invoice.project,
        invoice=invoice,
    )


@transaction.atomic
def invoice_send(*, invoice: Invoice, actor: Any) -> tuple[Message, bool, bool]:
    """Issue ``invoice`` if it is a draft, then draft its e-mail; return
    ``(message, issued, created)``.

    Refused before anything is issued when the client has no e-mail address, and for a
    cancelled invoice. Safe to run twice: the second call issues nothing and returns the draft.
    Race prevented: a double click on "issue and send"; the invoice row is locked first, so the
    second request waits, then finds it issued and its mail drafted.
    """
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("client", "project")
        .get(pk=invoice.pk)
    )
    client = invoice.client
    if not client.email.strip():
        if invoice.status == Invoice.Status.DRAFT:
            text = _(
                "%(client)s has no e-mail address, so the invoice was not issued. Add the "
                "address on the client page, then issue and send it."
            )
        else:
            text = _(
                "%(client)s has no e-mail address. Add the address on the client page, then "
                "send the invoice."
            )
        raise InvoiceMailError(text % {"client": client.name})
    if invoice.status == Invoice.Status.CANCELLED:
        raise InvoiceMailError(_("A cancelled invoice is not sent."))
    issued = invoice.status == Invoice.Status.DRAFT
    if issued:
        invoice = invoice_issue(invoice=invoice, actor=actor)
    message, created = invoice_mail_draft(invoice=invoice)
    return message, issued, created
