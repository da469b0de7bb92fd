"""Views of the inbox: the mailbox settings, "Inbox to sort", one mail, its files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client

from . import services, tasks
from .access import access_attachment, access_mail
from .fetching import account_of
from .forms import AssignForm, MailboxForm
from .imap import Account, ImapProblem
from .matching import suggestions_for
from .models import InboundMail, Mailbox

PAGE_SIZE = 25


def problem_text(code: str, mailbox: Mailbox | Account | None = None) -> str:
    """Return what a problem code means, in the active language, with the mailbox's details."""
    host = getattr(mailbox, "host", "")
    port = getattr(mailbox, "port", "")
    folder = getattr(mailbox, "folder", "")
    texts = {
        Mailbox.Problem.AUTH: _("The server refused the user name or the password."),
        Mailbox.Problem.CONNECT: _(
            "Could not reach %(host)s on port %(port)s. Check the server name and the port."
        ),
        Mailbox.Problem.TIMEOUT: _(
            "%(host)s did not answer within %(seconds)s seconds; it will be tried again."
        ),
        Mailbox.Problem.TLS: _(
            "The secure connection to %(host)s failed: check the encryption and the port "
            "(TLS is usually 993, STARTTLS 143)."
        ),
        Mailbox.Problem.FOLDER: _("The folder “%(folder)s” does not exist on the server."),
        Mailbox.Problem.DROPPED: _("%(host)s closed the connection; it will be tried again."),
        Mailbox.Problem.PROTOCOL: _("%(host)s answered in a way this program does not expect."),
        Mailbox.Problem.PASSWORD: _(
            "The stored password can no longer be read (the server's secret key changed). "
            "Enter the password again."
        ),
        Mailbox.Problem.MAIL: _(
            "A mail could not be recorded. It stays on the server and is tried again; the "
            "details are in the log."
        ),
    }
    text = texts.get(code, _("Something went wrong."))
    return text % {
        "host": host,
        "port": port,
        "folder": folder,
        "seconds": getattr(settings, "INBOX_TIMEOUT", 30),
    }


def mailbox_problem(mailbox: Mailbox | None) -> str:
    """Return what went wrong on the mailbox's last fetch, in words ("" when nothing did)."""
    if mailbox is None or not mailbox.last_error_code:
        return ""
    return problem_text(mailbox.last_error_code, mailbox)


NOTE_TEXTS = {
    "charset_guessed": lambda note: _(
        "The mail named a wrong or no character set; the text was read as Windows-1252."
    ),
    "malformed": lambda note: _(
        "The mail is not well-formed MIME; what could be read is shown, the original is kept."
    ),
    "html_only": lambda note: _("The mail has only an HTML part; the text is derived from it."),
    "attachment_skipped": lambda note: (
        _(
            "“%(name)s” (%(size)s) is larger than the limit of %(limit)s and was not stored; the "
            "mail itself is here, the file stays in your mailbox."
        )
        % {
            "name": note.get("name", ""),
            "size": filesizeformat(note.get("size", 0)),
            "limit": filesizeformat(services.attachment_limit()),
        }
    ),
    "headers_only": lambda note: (
        _(
            "The mail (%(size)s) is larger than the download limit: only its headers were read. "
            "Read it in your mail program."
        )
        % {"size": filesizeformat(note.get("size", 0))}
    ),
    "part_unreadable": lambda note: _("A part of the mail could not be read."),
    "unreadable": lambda note: _(
        "The mail could not be taken apart; download the original to read it."
    ),
}


def note_texts(mail: InboundMail) -> list[str]:
    return [
        NOTE_TEXTS[note["code"]](note)
        for note in mail.notes
        if isinstance(note, dict) and note.get("code") in NOTE_TEXTS
    ]


@login_required
def mail_list(request: HttpRequest) -> HttpResponse:
    """Show "Inbox to sort" (``?show=all``: every received mail), newest first."""
    show_all = request.GET.get("show") == "all"
    mails = InboundMail.objects.owned_by(request.user).select_related("client")
    if not show_all:
        mails = mails.filter(status=InboundMail.Status.TO_SORT, automatic="")
    mails = mails.defer("text", "html", "references", "to_addresses").order_by(
        "-received_at", "-pk"
    )
    page = Paginator(mails, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    suggestions = {}
    if not show_all:
        suggestions = suggestions_for(owner_id=request.user.pk, mails=rows)
    for mail in rows:
        mail.suggestions = suggestions.get(mail.pk, [])
    mailbox = Mailbox.objects.filter(owner=request.user).first()
    return render(
        request,
        "inbox/mail_list.html",
        {
            "page": page,
            "rows": rows,
            "show_all": show_all,
            "mailbox": mailbox,
            "mailbox_problem": mailbox_problem(mailbox),
            "assign_form": AssignForm(user=request.user),
        },
    )


@login_required
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one received mail: text (or sanitised HTML), attachments, how it was matched."""
    mail = access_mail(request.user, pk)
    return render(
        request,
        "inbox/mail_detail.html",
        {
            "mail": mail,
            "attachments": list(mail.attachments.all()),
            "notes": note_texts(mail),
            "view": "html" if request.GET.get("view") == "html" and mail.html else "text",
            "assign_form": AssignForm(user=request.user),
            "suggestions": suggestions_for(owner_id=request.user.pk, mails=[mail]).get(mail.pk, [])
            if mail.status == InboundMail.Status.TO_SORT
            else [],
        },
    )


@login_required
@require_POST
def mail_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sort a waiting mail to a client (one click), maybe adding the sender as a contact."""
    mail = access_mail(request.user, pk)
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        flash.error(request, _("Choose one of your clients."))
        return redirect(mail.get_absolute_url())
    client: Client = form.cleaned_data["client"]
    try:
        services.mail_assign(mail=mail, client=client, add_contact=form.cleaned_data["add_contact"])
    except services.SortError:
        flash.info(request, _("This mail was sorted already."))
        return redirect(mail.get_absolute_url())
    flash.success(
        request, _("The mail is on the timeline of %(client)s.") % {"client": client.name}
    )
    if request.POST.get("from") == "list":
        return redirect("inbox:list")
    return redirect(mail.get_absolute_url())


@login_required
@require_POST
def mail_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a mail that is from no client out of "Inbox to sort"."""
    mail = access_mail(request.user, pk)
    services.mail_dismiss(mail=mail)
    flash.success(request, _("Taken out of “Inbox to sort”."))
    if request.POST.get("from") == "list":
        return redirect("inbox:list")
    return redirect(mail.get_absolute_url())


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    # Always a download, never shown in our origin: an HTML or SVG file from a stranger must
    # not run as one of our pages.
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def mail_original(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the mail exactly as the server delivered it (.eml)."""
    mail = access_mail(request.user, pk)
    if mail.raw_id is None:
        raise Http404
    raw = mail.raw
    return _download(bytes(raw.content), f"mail-{mail.pk}.eml", "message/rfc822")


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Download one stored attachment."""
    attachment = access_attachment(request.user, pk)
    if attachment.blob is None:
        raise Http404
    return _download(
        bytes(attachment.blob.content), attachment.filename, "application/octet-stream"
    )


@login_required
def mailbox_settings(request: HttpRequest) -> HttpResponse:
    """Edit the mailbox; "Test connection" tries the entered values without saving them."""
    mailbox = Mailbox.objects.filter(owner=request.user).first()
    form = MailboxForm(request.POST or None, instance=mailbox)
    test = None
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in MailboxForm.Meta.fields}
        password = form.cleaned_data["password"]
        if request.POST.get("action") == "test":
            test = _test(mailbox, data, password)
            form.fields["password"].widget.render_value = True
        else:
            services.mailbox_save(owner=request.user, data=data, password=password)
            flash.success(request, _("Mailbox saved. New mail is fetched every few minutes."))
            return redirect("inbox:settings")
    return render(
        request,
        "inbox/mailbox_settings.html",
        {
            "form": form,
            "mailbox": mailbox,
            "test": test,
            "problem": mailbox_problem(mailbox),
        },
    )


def _test(mailbox: Mailbox | None, data: dict[str, Any], password: str) -> dict[str, Any]:
    account = Account(
        host=data["host"],
        port=data["port"],
        security=data["security"],
        username=data["username"],
        password=password,
        folder=data["folder"],
    )
    if not password and mailbox is not None:
        try:
            stored = account_of(mailbox)
        except ImapProblem as problem:
            return {"ok": False, "text": problem_text(problem.code, account)}
        account = Account(**{**account.__dict__, "password": stored.password})
    result = services.mailbox_test(account=account)
    if result.ok:
        return {
            "ok": True,
            "text": _("Connected. The folder “%(folder)s” holds %(count)s mails.")
            % {"folder": account.folder, "count": result.messages},
        }
    code = result.problem.code if result.problem else Mailbox.Problem.PROTOCOL
    return {"ok": False, "text": problem_text(code, account)}


@login_required
@require_POST
def mailbox_fetch_now(request: HttpRequest) -> HttpResponse:
    """Ask a worker to fetch new mail now (after commit; a dead broker only delays it)."""
    mailbox = get_object_or_404(Mailbox.objects.owned_by(request.user))
    tasks.fetch_mailbox_soon(mailbox_id=mailbox.pk)
    flash.info(request, _("New mail is being fetched; reload the page in a moment."))
    return redirect("inbox:settings")
