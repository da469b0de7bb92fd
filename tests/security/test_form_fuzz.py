"""Property-based tests: arbitrary text into every form never gives a 500 and is shown escaped.

Each case opens the page a browser would, reads the form from the HTML (so the test follows the
templates: field names, formset management data, hidden values), replaces the text fields with
text drawn by hypothesis (control characters, null bytes, very long strings, HTML and script
payloads, SQL-ish strings), posts it, and then opens the pages that show what was stored. A
stored payload must appear only escaped: the raw markers never occur in any response.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clients import csv_io
from projects.models import Invoice, Offer, Payment

from .conftest import Freelancer
from .htmlforms import find_form

# What a stored payload must never look like in a response (it must come back escaped).
MARKERS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "<iframe src=javascript:alert(1)>",
]
PAYLOADS = [
    *MARKERS,
    "'; DROP TABLE clients_client; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(0) --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "%(name)s %s {0} ${x}",
    "\x00null\x00byte",
    "\u202eevil\u202c",
    "Grüße, Weiß & Söhne <GmbH> €",
    "javascript:alert(1)",
    "=cmd|' /C calc'!A0",
    "../../../../etc/passwd",
]

# Arbitrary text, control characters included; surrogates cannot be sent as UTF-8.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(PAYLOADS),
    st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), ANY_TEXT),
    st.sampled_from(PAYLOADS).map(lambda s: s * 400),  # very long
    st.just(""),
)

# CSV cells: the same kinds of text, shorter (a file has up to 4 x 21 cells).
CELL = st.one_of(
    ANY_TEXT,
    st.sampled_from(PAYLOADS),
    st.sampled_from(PAYLOADS).map(lambda s: s * 40),
    st.just(""),
)

FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Totals for docs/security.md.
STATS: dict[str, int] = {"examples": 0, "requests": 0}


@dataclass
class Case:
    """One form: where it lives, where it posts, and which pages show what it stored."""

    page: Callable[[Freelancer], str]
    action: Callable[[Freelancer], str] | None = None  # default: the page itself
    shows: list[Callable[[Freelancer], str]] = field(default_factory=list)
    anonymous: bool = False
    htmx: bool = False
    fixed: dict[str, str] = field(default_factory=dict)  # values a valid post needs
    before: Callable[[Freelancer], None] | None = None  # restore state the form depends on


def _id(kind: str, index: int = 0) -> Callable[[Freelancer], int]:
    return lambda w: w.objects[kind][index].pk


def url(name: str, *getters: Callable[[Freelancer], Any]) -> Callable[[Freelancer], str]:
    return lambda w: reverse(name, args=[get(w) for get in getters])


def portal(name: str) -> Callable[[Freelancer], str]:
    return lambda w: reverse(name, args=[w.first("portal_link").token])


PASSWORD = "Fuzz-horse-staple-42"


def reopen_invoice(world: Freelancer) -> None:
    """Undo earlier examples' payments so the payment form is shown again."""
    invoice = world.objects["invoice"][1]
    Payment.objects.filter(invoice=invoice).delete()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.OPEN, paid_on=None)


def reopen_offer(world: Freelancer) -> None:
    """Undo an earlier example's acceptance so the accept form is shown again."""
    offers = world.objects["offer"]
    Offer.objects.filter(pk=offers[1].pk).update(status=Offer.Status.SENT)
    Offer.objects.filter(pk=offers[0].pk).update(status=Offer.Status.DRAFT)


CASES: dict[str, Case] = {
    "signup": Case(
        page=url("signup"), anonymous=True, fixed={"password1": PASSWORD, "password2": PASSWORD}
    ),
    "login": Case(page=url("login"), anonymous=True),
    "password_reset": Case(page=url("password_reset"), anonymous=True),
    "password_change": Case(
        page=url("password_change"),
        fixed={"oldpassword": "correct horse 42", "password1": PASSWORD, "password2": PASSWORD},
    ),
    "reauthenticate": Case(page=url("account_reauthenticate")),
    "profile": Case(page=url("crm:profile")),  # the page itself shows the stored values
    "client_create": Case(page=url("clients:create"), shows=[url("clients:list")]),
    "client_edit_contacts": Case(
        page=url("clients:edit", _id("client")),
        shows=[url("clients:detail", _id("client"))],
    ),
    "note_add_htmx": Case(
        page=url("clients:detail", _id("client")),
        action=url("clients:note_add", _id("client")),
        htmx=True,
    ),
    "project_create": Case(page=url("projects:create"), shows=[url("projects:list")]),
    "scope_item": Case(
        page=url("projects:detail", _id("project")),
        action=url("projects:scope_add", _id("project")),
    ),
    "milestone": Case(
        page=url("projects:detail", _id("project")),
        action=url("projects:milestone_add", _id("project")),
    ),
    "revision": Case(
        page=url("projects:detail", _id("project")),
        action=url("projects:revision_add", _id("project")),
    ),
    "change_request": Case(
        page=url("projects:detail", _id("project")),
        action=url("projects:change_request_add", _id("project")),
    ),
    "offer_lines": Case(
        page=url("projects:offer_edit", _id("offer")),
        shows=[url("projects:offer_detail", _id("offer"))],
    ),
    "invoice_lines": Case(
        page=url("projects:invoice_edit", _id("invoice")),
        shows=[url("projects:invoice_detail", _id("invoice"))],
    ),
    "payment": Case(
        page=url("projects:invoice_detail", _id("invoice", 1)),
        action=url("projects:invoice_payment", _id("invoice", 1)),
        before=reopen_invoice,
    ),
    "message_compose": Case(
        page=url("communications:compose", _id("client")),
        shows=[url("communications:list"), url("clients:timeline", _id("client"))],
    ),
    "message_edit": Case(
        page=url("communications:edit", _id("message")),
        shows=[url("communications:detail", _id("message"))],
    ),
    "activity_log": Case(
        page=url("communications:log", _id("client")),
        shows=[url("clients:timeline", _id("client"))],
    ),
    "template_editor": Case(
        page=url(
            "communications:template_edit", lambda w: "one_off", lambda w: "de", lambda w: "formal"
        ),
    ),
    "communication_settings": Case(page=url("communications:settings")),
    "client_communication": Case(
        page=url("communications:client_settings", _id("client")),
    ),
    "reminder_pause": Case(
        page=url("communications:client_settings", _id("client")),
        action=url("communications:pause_create", _id("client")),
    ),
    "portal_accept": Case(
        page=portal("portal:page"),
        action=portal("portal:accept"),
        anonymous=True,
        before=reopen_offer,
    ),
    "portal_change": Case(
        page=portal("portal:page"),
        action=portal("portal:change"),
        anonymous=True,
        shows=[url("projects:detail", _id("project"))],
    ),
}


def body_of(response: Any) -> str:
    content = b"".join(response) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def assert_safe(response: Any, where: str) -> str:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    text = body_of(response)
    if response.get("Content-Type", "").startswith("text/html"):
        for marker in MARKERS:
            assert marker not in text, f"{where}: unescaped {marker!r}"
        assert django_settings.SECRET_KEY not in text, f"{where}: shows the secret key"
    return text


@pytest.fixture
def alice_http(world: dict[str, Freelancer]) -> Client:
    http = Client(raise_request_exception=False)
    http.force_login(world["alice"].user)
    return http


@pytest.mark.parametrize("name", sorted(CASES))
@FUZZ
@given(data=st.data())
def test_it_never_fails_and_always_escapes(
    name: str, world: dict[str, Freelancer], alice_http: Client, settings: Any, data: Any
) -> None:
    settings.AXES_ENABLED = name != "login"  # the login case keeps throttling on (429 is fine)
    case = CASES[name]
    alice = world["alice"]
    http = Client(raise_request_exception=False) if case.anonymous else alice_http
    if case.before:
        case.before(alice)
    page_url = case.page(alice)
    action = case.action(alice) if case.action else page_url
    page = http.get(page_url)
    html = assert_safe(page, f"GET {page_url}")
    form = find_form(html, action, page_url)
    post: dict[str, Any] = {
        key: values if len(values) > 1 else values[0]
        for key, values in form.data().items()
        if "__prefix__" not in key
    }
    for key in form.text_fields():
        if "__prefix__" not in key and data.draw(st.booleans(), label=f"fuzz {key}"):
            post[key] = data.draw(TEXT, label=key)
    post.update(case.fixed)
    headers = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}

    response = http.post(action, post, **headers)

    STATS["examples"] += 1
    STATS["requests"] += 2 + len(case.shows)
    assert_safe(response, f"POST {action} {post!r:.300}")
    for show in case.shows:
        shown = show(alice)
        assert_safe(alice_http.get(shown), f"GET {shown} after POST {action}")


def csv_file(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    for row in [csv_io.COLUMNS, *rows]:
        buffer.write(";".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\r\n")
    return buffer.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=3000),
        st.builds(
            csv_file,
            st.lists(
                st.lists(CELL, min_size=len(csv_io.COLUMNS), max_size=len(csv_io.COLUMNS)),
                min_size=1,
                max_size=4,
            ),
            st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
        ),
    ),
    filename=st.sampled_from(["clients.csv", "<script>alert(1)</script>.csv", "x" * 300]),
)
def test_it_imports_arbitrary_csv_files_without_failing(
    world: dict[str, Freelancer], alice_http: Client, raw: bytes, filename: str
) -> None:
    upload = io.BytesIO(raw)
    upload.name = filename

    response = alice_http.post(reverse("clients:import"), {"file": upload})

    STATS["examples"] += 1
    STATS["requests"] += 1
    html = assert_safe(response, f"POST import {raw[:200]!r}")
    if 'action="/clients/import/confirm/"' in html:
        form = find_form(html, reverse("clients:import_confirm"), reverse("clients:import"))
        confirm = alice_http.post(reverse("clients:import_confirm"), form.data())
        listing = alice_http.get(reverse("clients:list"))
        STATS["requests"] += 2
        assert_safe(confirm, "POST import confirm")
        assert_safe(listing, "GET clients after import")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_it_refuses_a_csv_file_with_a_null_byte_anywhere(
    world: dict[str, Freelancer], alice_http: Client, encoding: str
) -> None:
    """Regression: a NUL after the first 4 kB reached PostgreSQL and gave a 500."""
    cells = {"name": "Weber GmbH", "email": "x" * 5000 + "\x00@example.com"}
    row = [cells.get(column, "") for column in csv_io.COLUMNS]
    upload = io.BytesIO(csv_file([row], encoding))
    upload.name = "clients.csv"

    response = alice_http.post(reverse("clients:import"), {"file": upload})

    assert response.status_code == 200
    assert "not a table we can read" in response.content.decode()
