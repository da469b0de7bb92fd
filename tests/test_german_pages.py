"""Every page a freelancer sees, in German: no English interface text left.

The check uses the German catalogue itself: for every translated interface string whose German
differs from the English, the English must not appear in the rendered page. The data comes from
the demo-data command with German clients only, so client data cannot be mistaken for interface
text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from clients.models import Client
from communications.models import Message
from crm.models import Profile, User
from portal.models import PortalLink
from projects.models import Invoice, Offer, Project

PO_FILE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)
PLACEHOLDER = re.compile(r"%\(|%[sd]|\{")


def english_phrases() -> list[str]:
    """Return the catalogue's English strings of two or more words that German changes."""
    phrases = []
    for entry in polib.pofile(str(PO_FILE)):
        if entry.msgid_plural or PLACEHOLDER.search(entry.msgid) or "\n" in entry.msgid:
            continue
        if entry.msgstr and entry.msgstr != entry.msgid and len(entry.msgid.split()) >= 2:
            phrases.append(entry.msgid)
    return phrases


def visible_text(content: bytes) -> str:
    return " ".join(html.unescape(TAG.sub(" ", content.decode())).split())


@pytest.fixture
def german_freelancer(db: None) -> User:
    call_command("demo_data", user="greta", password="greta-pass-2026", clients=2, language="de")
    user = User.objects.get(username="greta")
    Profile.objects.filter(user=user).update(language="de")
    assert set(Client.objects.filter(owner=user).values_list("language", flat=True)) == {"de"}
    return user


def freelancer_pages(user: User) -> list[str]:
    client = Client.objects.filter(owner=user).first()
    project = Project.objects.filter(owner=user).first()
    offer = Offer.objects.filter(owner=user).first()
    invoice = Invoice.objects.filter(owner=user).exclude(number="").first()
    message = Message.objects.filter(owner=user).first()
    pages = [
        reverse("dashboard:index"),
        reverse("crm:profile"),
        reverse("clients:list"),
        reverse("clients:create"),
        reverse("clients:import"),
        reverse("projects:list"),
        reverse("projects:create"),
        reverse("communications:list"),
        reverse("privacy:index"),
        reverse("privacy:audit"),
        reverse("password_change"),
        reverse("accounts:security"),
        reverse("mfa_index"),
    ]
    if client:
        pages += [
            reverse("clients:detail", args=[client.pk]),
            reverse("clients:edit", args=[client.pk]),
            reverse("communications:compose", args=[client.pk]),
            reverse("privacy:client", args=[client.pk]),
        ]
    if project:
        pages += [reverse("projects:detail", args=[project.pk])]
    if offer:
        pages += [reverse("projects:offer_detail", args=[offer.pk])]
    if invoice:
        pages += [reverse("projects:invoice_detail", args=[invoice.pk])]
    if message:
        pages += [reverse("communications:detail", args=[message.pk])]
    pages += [
        reverse("dashboard:setup_step", args=[step])
        for step in ("business", "sender", "mailbox", "bank", "clients")
    ]
    upload = _import_upload(user)
    pages += [
        reverse("clients:import_mapping", args=[upload.pk]),
        reverse("clients:import_preview", args=[upload.pk]),
    ]
    from inbox.models import InboundMail

    pages += [reverse("inbox:list"), reverse("inbox:list") + "?show=all", reverse("inbox:settings")]
    pages += [mail.get_absolute_url() for mail in InboundMail.objects.filter(owner=user)[:3]]
    pages += time_pages(user)
    return pages


def time_pages(user: User) -> list[str]:
    from timetracking.models import Expense, Retainer, TimeEntry

    names = ["week", "timer", "timer_widget", "entry_create", "expenses", "expense_create"]
    names += ["retainers", "retainer_create", "settings"]
    pages = [reverse(f"timetracking:{name}") for name in names]
    entry = TimeEntry.objects.filter(owner=user).first()
    if entry:
        pages += [
            reverse("timetracking:week") + f"?on={entry.work_on.isoformat()}",
            reverse("timetracking:entry_edit", args=[entry.pk]),
            reverse("timetracking:project", args=[entry.project_id]),
            reverse("timetracking:invoice", args=[entry.project_id]),
        ]
    pages += [r.get_absolute_url() for r in Retainer.objects.filter(owner=user)]
    pages += [
        reverse("timetracking:expense_edit", args=[e.pk])
        for e in Expense.objects.filter(owner=user)
    ][:1]
    return pages


def _import_upload(user: User) -> Any:
    """An unfinished import of a hand-made sheet (the mapping and preview pages show it)."""
    from clients.import_fields import mapping_detect
    from clients.import_files import table_read
    from clients.import_uploads import import_upload_store

    raw = b"Name;E-Mail;Sprache;Anrede\nAnna Schulz;anna@example.de;en;du\nB;kaputt;;\n"
    table = table_read(raw=raw)
    return import_upload_store(
        user=user,
        filename="liste.csv",
        content=raw,
        table=table,
        detection=mapping_detect(user=user, table=table),
    )


def test_it_leaves_no_english_on_the_freelancer_pages(client: Any, german_freelancer: User) -> None:
    client.force_login(german_freelancer)
    phrases = english_phrases()
    assert len(phrases) > 200  # the catalogue is really there
    leftovers = {}
    for url in freelancer_pages(german_freelancer):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "de", url
        text = visible_text(response.content)
        found = [phrase for phrase in phrases if re.search(rf"\b{re.escape(phrase)}\b", text)]
        if found:
            leftovers[url] = found
    assert leftovers == {}


def test_it_shows_the_portal_in_german_to_a_german_client(
    client: Any, german_freelancer: User
) -> None:
    link = PortalLink.objects.filter(owner=german_freelancer).first()
    assert link is not None
    response = client.get(reverse("portal:page", args=[link.token]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = visible_text(response.content)
    found = [phrase for phrase in english_phrases() if re.search(rf"\b{re.escape(phrase)}\b", text)]
    assert found == []


def test_it_has_every_catalogue_entry_translated() -> None:
    catalogue = polib.pofile(str(PO_FILE))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
