"""Views of the outbox (Messages), message templates and communication settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import access_client
from clients.services import notes_prominent_for
from crm.ids import id_or_404
from projects.access import access_invoice
from timeline import services as timeline_services

from . import services
from .attachments import attachment_names
from .forms import (
    ActivityLogForm,
    ClientCommunicationForm,
    CommunicationSettingsForm,
    ComposeForm,
    MessageEditForm,
    MessageFilterForm,
    MessageTemplateForm,
    PreviewClientForm,
    ReminderPauseForm,
    RescheduleForm,
)
from .models import ClientCommunication, CommunicationSettings, Message, MessageTemplate
from .planners.reminder_upkeep import reminder_pause, reminder_pause_lift
from .sandbox import SCHEMA, TemplateProblem
from .timing import message_timing

PAGE_SIZE = 25


def access_message(user: Any, message_id: int) -> Message:
    """Return the user's message or raise Http404 (another user's id looks missing)."""
    return get_object_or_404(
        Message.objects.owned_by(user).select_related("client", "project", "invoice"),
        pk=message_id,
    )


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None, user=request.user)
    queryset = Message.objects.owned_by(request.user).select_related("client")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["client"]:
            queryset = queryset.filter(client=data["client"])
    queryset = queryset.order_by("-created_at", "-pk").defer("body_html", "body_text")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    drafts = Message.objects.owned_by(request.user).filter(status=Message.Status.DRAFT).count()
    return render(
        request,
        "communications/message_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "draft_count": drafts},
    )


def _row_or_redirect(request: HttpRequest, message: Message) -> HttpResponse:
    if request.htmx:
        message.refresh_from_db()
        return render(
            request,
            "communications/_message_row.html",
            {"message": message, "timing": message_timing(message)},
        )
    return redirect("communications:detail", message.pk)


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    return render(
        request,
        "communications/message_detail.html",
        {
            "message": message,
            "attachment_names": attachment_names(message),
            "reschedule_form": RescheduleForm(
                initial={"send_after": timezone.localtime(message.send_after or timezone.now())}
            ),
            "prominent_notes": notes_prominent_for(message.client),
            "client": message.client,
            "timing": message_timing(message),
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: Any) -> HttpResponse:
    """Run ``action`` on the message; ``done`` is the success text, or a function of the
    changed message that returns it."""
    message = access_message(request.user, pk)
    try:
        message = action(message)
    except services.MessageStateError as exc:
        if request.htmx:
            response = render(
                request, "communications/_message_row.html", {"message": message, "error": exc}
            )
            return response
        flash.error(request, str(exc))
        return redirect("communications:detail", message.pk)
    if not request.htmx:
        flash.success(request, done(message) if callable(done) else done)
    return _row_or_redirect(request, message)


@login_required
@require_POST
def message_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda m: services.message_approve(message=m),
        lambda m: (
            _("Approved. %(timing)s") % {"timing": message_timing(m)}
            if m.status == Message.Status.SCHEDULED
            else _("Approved: it will go out.")
        ),
    )


@login_required
@require_POST
def message_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda m: services.message_cancel(message=m), _("Cancelled."))


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda m: services.message_retry(message=m), _("Queued again."))


@login_required
@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda m: services.message_resend(message=m), _("Queued to resend."))


@login_required
@require_POST
def message_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(
                request,
                "communications/_message_row.html",
                {"message": message, "error": form.errors["send_after"][0]},
            )
        flash.error(request, form.errors["send_after"][0])
        return redirect("communications:detail", message.pk)
    return _act(
        request,
        pk,
        lambda m: services.message_reschedule(
            message=m, send_after=form.cleaned_data["send_after"]
        ),
        _("Rescheduled."),
    )


@login_required
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    form = MessageEditForm(
        request.POST or None, initial={"subject": message.subject, "body_text": message.body_text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(message=message, **form.cleaned_data)
        except services.MessageStateError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(request, _("Saved."))
            return redirect("communications:detail", message.pk)
    return render(
        request,
        "communications/message_edit.html",
        {
            "message": message,
            "form": form,
            "client": message.client,
            "prominent_notes": notes_prominent_for(message.client),
        },
    )


@login_required
def message_compose(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = services.message_write_one_off(
            client=client,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            send="send" in request.POST,
        )
        flash.success(
            request,
            _("Queued to send.") if message.status == Message.Status.SCHEDULED else _("Saved."),
        )
        return redirect("communications:detail", message.pk)
    return render(
        request,
        "communications/message_compose.html",
        {"form": form, "client": client, "prominent_notes": notes_prominent_for(client)},
    )


@login_required
def activity_log(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    form = ActivityLogForm(
        request.POST or None, initial={"occurred_at": timezone.localtime().replace(second=0)}
    )
    if request.method == "POST" and form.is_valid():
        timeline_services.activity_log(client=client, **form.cleaned_data)
        flash.success(request, _("Added to the timeline."))
        return redirect(client.get_absolute_url())
    return render(request, "communications/activity_log.html", {"form": form, "client": client})


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    instance = CommunicationSettings.objects.filter(owner=request.user).first()
    form = CommunicationSettingsForm(
        request.POST or None, instance=instance or CommunicationSettings(owner=request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        flash.success(request, _("Communication settings saved."))
        return redirect("communications:settings")
    return render(request, "communications/settings.html", {"form": form})


@login_required
def client_settings_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    instance = ClientCommunication.objects.filter(client=client).first() or ClientCommunication(
        owner=request.user, client=client
    )
    form = ClientCommunicationForm(request.POST or None, instance=instance)
    pause_form = ReminderPauseForm()
    if request.method == "POST" and form.is_valid():
        form.save()
        flash.success(request, _("Saved."))
        return redirect("communications:client_settings", client.pk)
    pauses = client.reminder_pauses.filter(lifted_at__isnull=True)
    return render(
        request,
        "communications/client_settings.html",
        {"form": form, "client": client, "pause_form": pause_form, "pauses": pauses},
    )


@login_required
@require_POST
def pause_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    form = ReminderPauseForm(request.POST)
    invoice = None
    if request.POST.get("invoice"):
        invoice = access_invoice(request.user, id_or_404(request.POST["invoice"]))
        if invoice.client_id != client.pk:
            invoice = None
    if form.is_valid():
        reminder_pause(
            client=None if invoice else client,
            invoice=invoice,
            reason=form.cleaned_data["reason"],
            until_on=form.cleaned_data["until_on"],
        )
        flash.success(request, _("Reminders paused."))
    else:
        flash.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("communications:client_settings", client.pk)


@login_required
@require_POST
def pause_lift(request: HttpRequest, client_id: int, pause_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    pause = get_object_or_404(client.reminder_pauses.all(), pk=pause_id)
    reminder_pause_lift(pause=pause)
    flash.success(request, _("Reminders resume with the next planner run."))
    return redirect("communications:client_settings", client.pk)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    overrides = set(
        MessageTemplate.objects.owned_by(request.user).values_list("kind", "language", "form")
    )
    rows = [
        {
            "kind": kind,
            "label": label,
            "variants": [
                {"language": lang, "form": form, "is_custom": (kind, lang, form) in overrides}
                for lang in ("de", "en")
                for form in ("formal", "informal")
            ],
        }
        for kind, label in Message.Kind.choices
    ]
    return render(request, "communications/template_list.html", {"rows": rows})


def _valid_variant(kind: str, language: str, form: str) -> bool:
    return (
        kind in Message.Kind.values
        and language in ("de", "en")
        and form in MessageTemplate.Form.values
    )


@login_required
def template_edit(request: HttpRequest, kind: str, language: str, form: str) -> HttpResponse:
    from django.http import Http404

    from .rendering import default_source

    if not _valid_variant(kind, language, form):
        raise Http404
    instance = (
        MessageTemplate.objects.owned_by(request.user)
        .filter(kind=kind, language=language, form=form)
        .first()
    )
    subject, body = default_source(kind, language, form)
    template_form = MessageTemplateForm(
        request.POST or None,
        instance=instance
        or MessageTemplate(owner=request.user, kind=kind, language=language, form=form),
        initial={"subject": subject, "body": body} if instance is None else None,
    )
    if request.method == "POST":
        if "reset" in request.POST:
            if instance is not None:
                instance.delete()
            flash.success(request, _("Back to the shipped default."))
            return redirect("communications:template_edit", kind, language, form)
        if template_form.is_valid():
            template_form.save()
            flash.success(request, _("Template saved."))
            return redirect("communications:template_edit", kind, language, form)
    preview_form = PreviewClientForm(user=request.user)
    return render(
        request,
        "communications/template_edit.html",
        {
            "form": template_form,
            "preview_form": preview_form,
            "kind": kind,
            "kind_label": Message.Kind(kind).label,
            "language": language,
            "variant_form": form,
            "is_custom": instance is not None,
            "variables": sorted(SCHEMA),
        },
    )


@login_required
@require_POST
def template_preview(request: HttpRequest, kind: str, language: str, form: str) -> HttpResponse:
    from django.http import Http404

    from .preview import preview_context
    from .rendering import render_sources

    if not _valid_variant(kind, language, form):
        raise Http404
    chooser = PreviewClientForm(request.POST, user=request.user)
    rendered = error = None
    if chooser.is_valid():
        client = chooser.cleaned_data["client"]
        try:
            from .sandbox import template_check

            template_check(request.POST.get("subject", ""))
            template_check(request.POST.get("body", ""))
            rendered = render_sources(
                request.POST.get("subject", ""),
                request.POST.get("body", ""),
                preview_context(client=client, kind=kind),
            )
        except TemplateProblem as problem:
            error = str(problem)
    else:
        error = _("Choose one of your clients for the preview.")
    return render(
        request, "communications/_template_preview.html", {"rendered": rendered, "error": error}
    )
