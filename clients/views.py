"""Views of the clients app: list, page, form, notes (htmx), import/export, vCard."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Case, Prefetch, QuerySet, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from timeline.models import Activity

from . import csv_io, hooks, services
from .access import access_client, access_note
from .forms import (
    ClientFilterForm,
    ClientForm,
    ContactFormSet,
    NoteForm,
    NoteQuickAddForm,
)
from .models import Client, Contact, Note, Tag

PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20
# The client page lists the latest notes; "all notes" shows up to NOTES_MAX.
NOTES_SHOWN = 10
NOTES_MAX = 500


# --- List, export ---------------------------------------------------------------------------


def _filtered_clients(request: HttpRequest) -> tuple[ClientFilterForm, QuerySet[Client]]:
    tags = list(Tag.objects.owned_by(request.user).only("pk", "name"))
    form = ClientFilterForm(request.GET, tags=tags)
    clients = services.client_search(user=request.user, **form.filters())
    return form, clients.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("pk", "name")),
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")),
    )


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    """List, search, filter and sort the freelancer's clients (a constant number of queries)."""
    form, clients = _filtered_clients(request)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "clients/client_list.html"
    if request.htmx and request.htmx.target == "client-results":
        template += "#results"
    return render(request, template, context)


SUGGESTIONS = 20


@login_required
@require_GET
def client_suggest(request: HttpRequest) -> JsonResponse:
    """Return up to SUGGESTIONS clients matching ``q`` for the client picker, as JSON.

    The same search as the client list (name, e-mail, city, contacts, tags); archived clients
    only with ``archived=1`` (filters over past work). One query, whatever the book's size.
    """
    query = request.GET.get("q", "")[:100].replace("\x00", "").strip()  # PostgreSQL refuses NUL
    clients = services.client_search(
        user=request.user, query=query, include_archived=request.GET.get("archived") == "1"
    ).only("pk", "name", "city", "email", "archived_at")
    if query:
        # Names that start with the words typed first, then names containing them, then the rest
        # (a match in the e-mail, city, a contact or a tag).
        clients = clients.annotate(
            rank=Case(
                When(name__istartswith=query, then=0),
                When(name__icontains=query, then=1),
                default=2,
            )
        ).order_by("rank", "name", "pk")
    clients = clients[:SUGGESTIONS]
    return JsonResponse(
        {
            "results": [
                {
                    "value": str(client.pk),
                    "text": client.name,
                    "hint": client.city or client.email,
                }
                for client in clients
            ]
        }
    )


@login_required
@require_GET
def client_export(request: HttpRequest) -> HttpResponse:
    """Download the currently filtered list as CSV (UTF-8 with BOM, for Excel)."""
    _form, clients = _filtered_clients(request)
    delimiter = "," if request.GET.get("sep") == "comma" else ";"
    body = "\ufeff" + csv_io.csv_export(clients=clients, delimiter=delimiter)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="clients-{stamp}.csv"'
    return response


# --- Create, edit, archive, delete ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    """Create a client with contacts (in the freelancer's own country until changed)."""
    country = request.user.profile_or_default.country
    return _client_form(request, Client(owner=request.user, country=country))


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    """Edit every field of a client and its contacts."""
    return _client_form(request, access_client(request.user, client_id))


def _client_form(request: HttpRequest, client: Client) -> HttpResponse:
    hint = services.relationship_suggest_for(client=client)
    form = ClientForm(request.POST or None, instance=client, relationship_hint=hint)
    formset = ContactFormSet(request.POST or None, instance=client, prefix="contacts")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            client = services.client_save_form(
                user=request.user, form=form, contact_formset=formset
            )
            messages.success(request, _("The client was saved."))
            _warn_duplicate_email(request, client)
            return redirect(client)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "formset": formset, "client": client, "hint": hint},
    )


def _warn_duplicate_email(request: HttpRequest, client: Client) -> None:
    if not client.email:
        return
    other = (
        Client.objects.owned_by(request.user)
        .filter(email__iexact=client.email)
        .exclude(pk=client.pk)
        .first()
    )
    if other:
        messages.warning(
            request,
            format_html(
                _('Another client uses this e-mail address too: <a href="{}">{}</a>.'),
                other.get_absolute_url(),
                other.name,
            ),
        )


@login_required
@require_POST
def client_archive(request: HttpRequest, client_id: int) -> HttpResponse:
    """Archive a client (the default instead of deleting)."""
    client = services.client_archive(
        user=request.user, client=access_client(request.user, client_id)
    )
    messages.success(
        request, _("%(name)s was archived. It is hidden from the list.") % {"name": client.name}
    )
    return redirect(client)


@login_required
@require_POST
def client_unarchive(request: HttpRequest, client_id: int) -> HttpResponse:
    """Bring an archived client back."""
    client = access_client(request.user, client_id)
    services.client_unarchive(user=request.user, client=client)
    messages.success(request, _("%(name)s is active again.") % {"name": client.name})
    return redirect(client)


@login_required
@require_http_methods(["GET", "POST"])
def client_delete(request: HttpRequest, client_id: int) -> HttpResponse:
    """Confirm, then delete a client for good (refused while projects or invoices exist)."""
    client = access_client(request.user, client_id)
    deletable = services.client_is_deletable(client=client)
    if request.method == "POST":
        if deletable:
            try:
                services.client_delete(user=request.user, client=client)
            except services.ClientInUseError:
                deletable = False
            else:
                messages.success(request, _("%(name)s was deleted.") % {"name": client.name})
                return redirect("clients:list")
        messages.error(
            request,
            _(
                "%(name)s has projects or invoices and cannot be deleted. "
                "Archive the client instead: it disappears from the list and keeps its history."
            )
            % {"name": client.name},
        )
        return redirect(client)
    return render(
        request, "clients/client_confirm_delete.html", {"client": client, "deletable": deletable}
    )


@login_required
@require_GET
def client_vcard(request: HttpRequest, client_id: int) -> HttpResponse:
    """Download the client as a vCard 3.0 file."""
    client = access_client(request.user, client_id)
    response = HttpResponse(csv_io.vcard_for(client), content_type="text/vcard; charset=utf-8")
    filename = slugify(client.name) or f"client-{client.pk}"
    response["Content-Disposition"] = f'attachment; filename="{filename}.vcf"'
    return response


# --- The client page -----------------------------------------------------------------------


def _timeline(client: Client, request: HttpRequest) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    if kind not in Activity.Kind.values:
        kind = ""
    activities = Activity.objects.filter(client=client).select_related("project", "note")
    if kind:
        activities = activities.filter(kind=kind)
    page: Page = Paginator(activities, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"timeline": page, "timeline_kind": kind, "timeline_kinds": Activity.Kind.choices}


def _notes_context(
    client: Client, form: NoteForm | None = None, *, show_all: bool = False
) -> dict[str, Any]:
    limit = NOTES_MAX if show_all else NOTES_SHOWN
    # One row more than shown tells whether there are more, without a COUNT query.
    notes = list(Note.objects.filter(client=client)[: limit + 1])
    return {
        "client": client,
        "note_form": form
        or NoteForm(initial={"noted_on": timezone.localdate()}, auto_id="new_note_%s"),
        "notes": notes[:limit],
        "more_notes": len(notes) > limit,
        "all_notes": show_all,
        "prominent_notes": services.notes_prominent_for(client),
        "note_kinds": Note.Kind,
    }


@login_required
@require_GET
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    """Show one client: tone, contacts, what must never happen, timeline, and the sections the
    apps above add (projects, offers, invoices)."""
    # Projects are prefetched once for the relationship hint and the projects section alike.
    client = get_object_or_404(
        Client.objects.owned_by(request.user).prefetch_related("tags", "contacts", "projects"),
        pk=client_id,
    )
    context = {
        **_notes_context(client, show_all=request.GET.get("notes") == "all"),
        **_timeline(client, request),
        "tone": client.tone,
        "sections": hooks.client_sections(client),
        "hint": services.relationship_suggest_for(client=client),
        "today": timezone.localdate(),
    }
    return render(request, "clients/client_detail.html", context)


@login_required
@require_GET
def client_timeline(request: HttpRequest, client_id: int) -> HttpResponse:
    """Return one page of the client's timeline, filtered by kind (htmx partial)."""
    client = access_client(request.user, client_id)
    return render(
        request, "clients/_timeline.html", {"client": client, **_timeline(client, request)}
    )


# --- Notes (htmx) --------------------------------------------------------------------------


def _notes_response(
    request: HttpRequest, client: Client, form: NoteForm | None = None
) -> HttpResponse:
    if request.htmx:
        return render(request, "clients/_notes.html", {**_notes_context(client, form), "oob": True})
    if form is not None and form.errors:
        messages.error(request, _("The note was not saved: %(errors)s") % {"errors": _errors(form)})
    return redirect(client)


def _errors(form: Any) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_POST
def note_add(request: HttpRequest, client_id: int) -> HttpResponse:
    """Add a note from the client page; answers with the refreshed notes (htmx)."""
    client = access_client(request.user, client_id)
    form = NoteForm(request.POST, auto_id="new_note_%s")
    if form.is_valid():
        services.note_create(client=client, **form.cleaned_data)
        return _notes_response(request, client)
    return _notes_response(request, client, form)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    """Edit a note in place: GET the form row, POST the change (htmx)."""
    note = access_note(request.user, note_id)
    form = NoteForm(request.POST or None, instance=note, auto_id=f"note_{note.pk}_%s")
    if request.method == "POST":
        if form.is_valid():
            services.note_update(note=note, **form.cleaned_data)
            return _notes_response(request, note.client)
        if not request.htmx:
            return _notes_response(request, note.client, form)
    if request.htmx:
        response = render(request, "clients/_note_edit.html", {"note": note, "form": form})
        # An invalid edit goes back into the note's row, not over the whole notes card.
        response["HX-Retarget"] = f"#note-{note.pk}"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "clients/note_edit.html", {"note": note, "form": form})


@login_required
@require_POST
def note_delete(request: HttpRequest, note_id: int) -> HttpResponse:
    """Delete a note and its timeline entry."""
    note = access_note(request.user, note_id)
    services.note_delete(note=note)
    return _notes_response(request, note.client)


@login_required
@require_POST
def note_pin(request: HttpRequest, note_id: int) -> HttpResponse:
    """Pin or unpin a note."""
    note = access_note(request.user, note_id)
    services.note_pin_toggle(note=note)
    return _notes_response(request, note.client)


@login_required
@require_http_methods(["GET", "POST"])
def note_quick_add(request: HttpRequest) -> HttpResponse:
    """Add a note to any client (the dashboard's quick-add); htmx answers with a fresh form."""
    form = NoteQuickAddForm(request.POST or None, user=request.user)
    saved = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        client = data.pop("client")
        saved = services.note_create(client=client, **data)
        if not request.htmx:
            messages.success(request, _("Note added to %(name)s.") % {"name": client.name})
            next_url = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect(client)
        form = NoteQuickAddForm(user=request.user, initial={"client": client.pk})
    context = {"quick_note_form": form, "quick_note_saved": saved}
    if request.htmx:
        return render(request, "clients/_note_quick_add.html", context)
    return render(request, "clients/note_quick_add.html", context)
