"""Every URL of the project, walked as bob and as an anonymous visitor over alice's objects.

The walker enumerates the URL patterns (admin and static files aside), fills each path parameter
with an object of alice's (every interesting state: draft and sent offer, draft and issued
invoice, draft/failed/uncertain message ...) and sends GET and POST. Bob must get 404 (or 405),
the anonymous visitor a redirect to the login page (or 404/405); the public token pages answer
404 for bob's or forged tokens combined with alice's objects. Afterwards not one of alice's rows
has changed and no response mentioned her clients. A URL parameter the walker does not know
fails the test, so a new URL cannot slip past it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import int_to_base36, urlsafe_base64_encode

from .conftest import Freelancer, owned_snapshot

# Walk results, read by docs/security.md's numbers (printed with -s).
STATS: dict[str, int] = {}

SKIPPED_PREFIXES = ("admin", "static", "media")

# Pages anyone may open without logging in (they carry no owned object).
PUBLIC_NAMES = {
    "login",
    "logout",
    "signup",
    "password_reset",
    "crm:set_language",
    "crm:healthz",
    # The sender-address link: a signed token for one profile; a wrong one answers 400.
    "crm:sender_verify",
    # django-allauth's pages for visitors who are not (fully) logged in yet.
    "account_login",
    "account_logout",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_trust",
    "accounts:invitation",
}

# Pages reached by a token instead of a login: they must answer 404 to every wrong token.
TOKEN_NAMES = {
    "portal:page",
    "portal:accept",
    "portal:change",
    "portal:offer_pdf",
    "portal:invoice_pdf",
    "calendar:feed",
}

FORGED_TOKEN = "forged-" + "A" * 36

# Free-text kwargs that select no owned row (a template slot, a move direction).
PLAIN_KWARGS: dict[str, list[str]] = {
    "kind": ["one_off", "payment_reminder_1"],
    "language": ["de"],
    "form": ["formal"],
    "direction": ["up", "down"],
    "key": ["business", "sender", "clients"],  # the steps of the first-run setup
}

# Form data that would change something on almost any form of the project.
POST_DATA: dict[str, Any] = {
    "name": "Hacked by bob",
    "title": "Hacked by bob",
    "email": "bob@evil.example",
    "body": "Hacked by bob",
    "description": "Hacked by bob",
    "subject": "Hacked by bob",
    "body_text": "Hacked by bob",
    "reason": "Hacked by bob",
    "status": "cancelled",
    "action": "accept",
    "decision": "accept",
    "confirm": "yes",
    "confirm_name": "Alice Zylinderwerke GmbH",
    "amount": "1.00",
    "paid_on": "2026-11-20",
    "due_on": "2026-12-20",
    "send_after": "2026-12-01T10:00",
    "language": "de",
    "form": "formal",
    "kind": "context",
    "noted_on": "2026-11-20",
    "requested_on": "2026-11-20",
    "quantity": "1",
    "unit_price": "1",
    "vat_rate": "19",
    "pinned": "on",
    "accepted_name": "Bob",
    "message": "Hacked by bob",
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]


def _pattern_kwargs(pattern: Any) -> tuple[str, ...]:
    # path() patterns name their converters; re_path() patterns (django-allauth's) their groups.
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.regex.groupindex)


def iter_routes(
    patterns: list[Any], prefix: str = "", namespace: str = "", inherited: tuple[str, ...] = ()
) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            part = str(entry.pattern)
            if part.startswith(SKIPPED_PREFIXES) or part.startswith("^static"):
                continue
            child_ns = namespace
            if entry.namespace:
                child_ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            kwargs = inherited + _pattern_kwargs(entry.pattern)
            yield from iter_routes(entry.url_patterns, prefix + part, child_ns, kwargs)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                continue
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            kwargs = inherited + _pattern_kwargs(entry.pattern)
            yield Route(name=name, pattern=prefix + str(entry.pattern), kwargs=kwargs)


def all_routes() -> list[Route]:
    routes = {route.name: route for route in iter_routes(get_resolver().url_patterns)}
    return sorted(routes.values(), key=lambda route: route.name)


def owned_values(route: Route, kwarg: str, who: Freelancer) -> list[Any]:
    """Return the values of ``who``'s objects for one URL parameter (all interesting states)."""
    objects = who.objects
    token_of_link = [link.token for link in objects["portal_link"]]
    mapping: dict[str, list[Any]] = {
        "client_id": [client.pk for client in objects["client"]],
        "project_id": [project.pk for project in objects["project"]],
        "note_id": [note.pk for note in objects["note"]],
        "item_id": [item.pk for item in objects["scope"]],
        "milestone_id": [milestone.pk for milestone in objects["milestone"]],
        "change_request_id": [change.pk for change in objects["change_request"]],
        "offer_id": [offer.pk for offer in objects["offer"]],
        "invoice_id": [invoice.pk for invoice in objects["invoice"]],
        "pk": [message.pk for message in objects["message"]],
        "pause_id": [pause.pk for pause in objects["pause"]],
        "link_id": [link.pk for link in objects["portal_link"]],
        "upload_id": [upload.pk for upload in objects["import_upload"]],
        "statement_id": [statement.pk for statement in objects["statement"]],
        "entry_id": [entry.pk for entry in objects["bank_entry"]],
        "known_id": [known.pk for known in objects["known_account"]],
        "expense_id": [expense.pk for expense in objects["expense"]],
        "retainer_id": [retainer.pk for retainer in objects["retainer"]],
        "name": [expense.receipt.name for expense in objects["expense"]],
        "uidb64": [urlsafe_base64_encode(force_bytes(who.user.pk))],
        "uidb36": [int_to_base36(who.user.pk)],
        "key": ["set-password", "MQ:1tForged:abc"],
    }
    if kwarg == "token":
        if route.name == "calendar:feed":
            return [who.user.profile.calendar_token]
        if route.name.startswith("portal:"):
            return token_of_link
        if route.name == "accounts:invitation":
            return ["forged-invitation-token"]
        return ["set-password", "abc-123456789abcdef"]
    if kwarg == "entry_id":  # a bank statement's booking, or a time entry
        kind = "bank_entry" if route.name.startswith("banking:") else "time_entry"
        return [row.pk for row in objects[kind]]
    if route.name.startswith("inbox:") and kwarg == "pk":
        kind = {"inbox:attachment": "attachment"}.get(route.name, "mail")
        return [row.pk for row in objects[kind]]
    if kwarg in PLAIN_KWARGS:
        return PLAIN_KWARGS[kwarg]
    if kwarg not in mapping:
        pytest.fail(
            f"URL {route.name} ({route.pattern}) takes an unknown parameter {kwarg!r}: "
            "teach tests/security/test_url_walker.py which object of alice's fills it."
        )
    return mapping[kwarg]


def url_variants(route: Route, alice: Freelancer, bob: Freelancer) -> list[tuple[str, str]]:
    """Return (label, url) pairs: alice's objects, and for token pages bob's/forged tokens."""
    if not route.kwargs:
        return [("plain", reverse(route.name))]
    variants: list[tuple[str, str]] = []
    if route.name in TOKEN_NAMES:
        # Never alice's token: that is the one that is supposed to work.
        others = [k for k in route.kwargs if k != "token"]
        for token in [FORGED_TOKEN, *owned_values(route, "token", bob)]:
            choices = [owned_values(route, k, alice) for k in others]
            for combo in itertools.product(*choices):
                kwargs = {"token": token, **dict(zip(others, combo, strict=True))}
                label = "forged" if token == FORGED_TOKEN else "bob-token"
                if label == "bob-token" and not others:
                    # Bob's token alone is bob's own page: allowed, checked for leaks only.
                    label = "bob-own"
                variants.append((label, reverse(route.name, kwargs=kwargs)))
        return variants
    choices = [owned_values(route, k, alice) for k in route.kwargs]
    for combo in itertools.product(*choices):
        variants.append(
            ("alice", reverse(route.name, kwargs=dict(zip(route.kwargs, combo, strict=True))))
        )
    owned = [k for k in route.kwargs if k not in PLAIN_KWARGS and k not in {"uidb64", "token"}]
    if len(owned) > 1:
        # Mixed ownership: one parameter bob's, the others alice's.
        for mine in owned:
            kwargs = {
                k: (owned_values(route, k, bob) if k == mine else owned_values(route, k, alice))[0]
                for k in route.kwargs
            }
            variants.append((f"mixed:{mine}", reverse(route.name, kwargs=kwargs)))
    return variants


def foreign_ids(alice: Freelancer) -> dict[str, Any]:
    """Alice's ids in form fields and query strings (bob must not reach her rows through them)."""
    return {
        "client": alice.first("client").pk,
        "project": alice.first("project").pk,
        "offer": alice.objects["offer"][1].pk,
        "version": 1,
        "invoice": alice.objects["invoice"][1].pk,
        "message": alice.first("message").pk,
        "tag": alice.first("tag").pk,
        "note": alice.first("note").pk,
        "milestone": alice.first("milestone").pk,
        "change_request": alice.first("change_request").pk,
        "contacts-0-id": alice.first("contact").pk,
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "1",
        "lines-0-id": alice.first("offer").lines.first().pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
    }


# django-allauth asks for the password again before it looks at a security key at all.
REAUTH_FIRST = {"mfa_edit_webauthn", "mfa_remove_webauthn"}


def is_reauth_redirect(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == reverse(
        "account_reauthenticate"
    )


def is_login_redirect(response: Any) -> bool:
    if response.status_code not in (301, 302):
        return False
    return urlsplit(response["Location"]).path == reverse("login")


def secrets_of(alice: Freelancer) -> list[str]:
    values = []
    for client in alice.objects["client"]:
        values += [client.name, client.email]
    values += [alice.first("contact").email, alice.first("note").body]
    values += [alice.first("project").title, alice.first("change_request").title]
    values += [alice.first("time_entry").description, alice.first("expense").description]
    return values


@pytest.mark.django_db
def test_it_answers_404_to_bob_and_login_to_strangers_on_every_url(
    world: dict[str, Freelancer], settings: Any
) -> None:
    settings.AXES_ENABLED = False  # the walker posts to the login form many times
    alice, bob = world["alice"], world["bob"]
    before = owned_snapshot(alice.user)
    forbidden = secrets_of(alice)
    routes = all_routes()
    bob_http = Client(raise_request_exception=False)
    anon_http = Client(raise_request_exception=False)
    failures: list[str] = []
    requests = 0
    post_data = {**POST_DATA, **foreign_ids(alice)}
    query = {"client": alice.first("client").pk, "project": alice.first("project").pk, "q": "Alice"}

    for route in routes:
        for label, url in url_variants(route, alice, bob):
            for method in ("get", "post"):
                for who, http in (("bob", bob_http), ("anon", anon_http)):
                    if who == "bob":
                        http.force_login(bob.user)
                    else:
                        http.logout()
                    call = getattr(http, method)
                    response = call(url, post_data if method == "post" else query)
                    requests += 1
                    status = response.status_code
                    where = f"{who} {method.upper()} {url} [{route.name}, {label}] -> {status}"
                    if status >= 500:
                        failures.append(f"{where}: server error")
                        continue
                    body = b"".join(response) if response.streaming else response.content
                    text = body.decode("utf-8", "replace")
                    leaked = [value for value in forbidden if value in text]
                    if leaked:
                        failures.append(f"{where}: leaks {leaked}")
                    if route.name in PUBLIC_NAMES or label == "bob-own":
                        continue
                    if route.name in TOKEN_NAMES:
                        if status not in (404, 405):
                            failures.append(f"{where}: expected 404 for a wrong token")
                        continue
                    if not any(k not in PLAIN_KWARGS for k in route.kwargs):
                        # Bob's own page (a list, settings, a form): anything but an error.
                        if (
                            who == "anon"
                            and status not in (404, 405)
                            and not is_login_redirect(response)
                        ):
                            failures.append(f"{where}: expected a redirect to log in")
                        continue
                    if route.name in REAUTH_FIRST and who == "bob" and is_reauth_redirect(response):
                        continue  # asks bob for his password first; then 404 (test below)
                    if who == "bob" and status not in (404, 405):
                        failures.append(f"{where}: expected 404")
                    if (
                        who == "anon"
                        and status not in (404, 405)
                        and not is_login_redirect(response)
                    ):
                        failures.append(f"{where}: expected a redirect to log in")

    after = owned_snapshot(alice.user)
    changed = [label for label in before if before[label] != after[label]]
    STATS.update(routes=len(routes), requests=requests)
    print(f"\nURL walker: {len(routes)} URL patterns, {requests} requests")
    assert not failures, "\n".join(failures)
    assert not changed, f"alice's rows changed: {changed}"


@pytest.mark.django_db
def test_it_serves_the_token_pages_with_the_right_token(world: dict[str, Freelancer]) -> None:
    alice = world["alice"]
    link = alice.first("portal_link")
    anon = Client()

    assert anon.get(reverse("portal:page", kwargs={"token": link.token})).status_code == 200
    feed = anon.get(reverse("calendar:feed", kwargs={"token": alice.user.profile.calendar_token}))
    assert feed.status_code == 200


def test_it_knows_every_url_parameter_of_the_project() -> None:
    known = {
        "client_id", "project_id", "note_id", "item_id", "milestone_id", "change_request_id",
        "offer_id", "invoice_id", "pk", "pause_id", "link_id", "upload_id", "uidb64", "uidb36",
        "key", "token", *PLAIN_KWARGS, "statement_id", "entry_id", "known_id", "expense_id",
        "retainer_id", "name",
    }  # fmt: skip
    unknown = {
        (route.name, kwarg)
        for route in all_routes()
        for kwarg in route.kwargs
        if kwarg not in known
    }
    assert not unknown, f"teach the URL walker these parameters: {sorted(unknown)}"
    assert settings.ROOT_URLCONF


def _destructive_last(route: Route) -> tuple[bool, str]:
    words = ("delete", "erase", "revoke", "cancel", "archive", "logout", "lift")
    return (any(word in route.name for word in words), route.name)


@pytest.mark.django_db
def test_it_ignores_alices_ids_posted_to_bobs_own_pages(
    world: dict[str, Freelancer], settings: Any
) -> None:
    """Bob posts alice's ids in form fields (client, offer, message, formset row ids ...) to his
    own pages: nothing of alice's changes, nothing of hers is shown, never a 500."""
    settings.AXES_ENABLED = False
    alice, bob = world["alice"], world["bob"]
    before = owned_snapshot(alice.user)
    forbidden = secrets_of(alice)
    post_data = {**POST_DATA, **foreign_ids(alice)}
    http = Client(raise_request_exception=False)
    failures: list[str] = []
    requests = 0

    for route in sorted(all_routes(), key=_destructive_last):
        values = {k: owned_values(route, k, bob)[-1] for k in route.kwargs}
        url = reverse(route.name, kwargs=values)
        for method in ("get", "post"):
            http.force_login(bob.user)
            if method == "post":
                response = http.post(url, post_data)
            else:
                response = http.get(url, {"client": alice.first("client").pk, "q": "Alice"})
            requests += 1
            where = f"bob {method.upper()} {url} [{route.name}] -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where}: server error")
                continue
            body = b"".join(response) if response.streaming else response.content
            leaked = [value for value in forbidden if value in body.decode("utf-8", "replace")]
            if leaked:
                failures.append(f"{where}: leaks {leaked}")

    after = owned_snapshot(alice.user)
    changed = [label for label in before if before[label] != after[label]]
    STATS.update(own_requests=requests)
    assert not failures, "\n".join(failures)
    assert not changed, f"alice's rows changed: {changed}"


# POST endpoints that need no CSRF token on purpose (none change a freelancer's data).
CSRF_EXEMPT_NAMES = {"crm:healthz"}


@pytest.mark.django_db
def test_it_refuses_every_post_without_a_csrf_token(
    world: dict[str, Freelancer], settings: Any
) -> None:
    """Alice herself, logged in, posting without a CSRF token (a forged cross-site form): 403 or
    405 on every URL, her own token pages included, and nothing of hers changes."""
    settings.AXES_ENABLED = False
    alice = world["alice"]
    before = owned_snapshot(alice.user)
    http = Client(enforce_csrf_checks=True, raise_request_exception=False)
    failures = []
    for route in all_routes():
        if route.name in CSRF_EXEMPT_NAMES:
            continue
        values = {k: owned_values(route, k, alice)[-1] for k in route.kwargs}
        url = reverse(route.name, kwargs=values)
        http.force_login(alice.user)
        response = http.post(url, {**POST_DATA, **foreign_ids(alice)})
        if response.status_code not in (403, 405):
            failures.append(f"POST {url} [{route.name}] -> {response.status_code}")

    after = owned_snapshot(alice.user)
    assert not failures, "\n".join(failures)
    assert [label for label in before if before[label] != after[label]] == []


# Values a hand-edited form or URL sends where an id belongs.
BAD_IDS = ["abc", "-1", "0", "99999999999999999999999", "١٢", "𝟙", "1.5", "1\x00", "", "[]"]
# Query parameters that name a row or a page somewhere in the project.
ID_QUERY = ("client", "project", "offer", "invoice", "message", "tag", "page", "pause", "version")


def _id_like(field: Any) -> bool:
    name = field.name.rsplit("-", 1)[-1]
    if name in {"id", "pk"} or name.endswith(("_id", "_pk")) or field.name in foreign_ids_names():
        return True
    if field.kind == "select" and field.options and all(o.isdigit() for o in field.options if o):
        return True
    return field.kind in {"number", "hidden"} and field.value.isdigit()


def foreign_ids_names() -> set[str]:
    return {
        "client",
        "project",
        "offer",
        "invoice",
        "message",
        "tag",
        "note",
        "milestone",
        "change_request",
        "contact",
        "pause",
        "version",
        "scope_item",
        "line",
    }


# The bad-id walk is the suite's longest test: four shards (every fourth route each), so the
# test processes share it; each shard builds its own world.
BAD_ID_SHARDS = 4


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(BAD_ID_SHARDS))
def test_it_never_fails_on_bad_ids_in_forms_and_query_strings(
    world: dict[str, Freelancer], settings: Any, shard: int
) -> None:
    """Alice sends non-numeric, negative, huge and Unicode values in every id-like query
    parameter of every URL, and in every id-like field of every form on every page (her own
    objects, her own tokens): never a 500."""
    from .htmlforms import page_forms

    settings.AXES_ENABLED = False
    alice = world["alice"]
    http = Client(raise_request_exception=False)
    failures: list[str] = []
    requests = 0
    routes = sorted(all_routes(), key=lambda route: route.name)[shard::BAD_ID_SHARDS]
    for route in sorted(routes, key=_destructive_last):
        values = {k: owned_values(route, k, alice)[-1] for k in route.kwargs}
        url = reverse(route.name, kwargs=values)
        http.force_login(alice.user)
        for bad in BAD_IDS:
            response = http.get(url, dict.fromkeys(ID_QUERY, bad))
            requests += 1
            if response.status_code >= 500:
                failures.append(f"GET {url}?…={bad!r} [{route.name}] -> {response.status_code}")
        page = http.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for form in page_forms(page.content.decode()):
            if form.method != "post":
                continue
            action = form.action or url
            if not action.startswith("/") or action.startswith("/accounts/logout"):
                continue
            fields = [f for f in form.fields if _id_like(f)]
            for field in fields:
                for bad in BAD_IDS:
                    data = {**form.data(), field.name: bad}
                    http.force_login(alice.user)
                    response = http.post(action, data)
                    requests += 1
                    if response.status_code >= 500:
                        failures.append(
                            f"POST {action} {field.name}={bad!r} (form on {url}) -> "
                            f"{response.status_code}"
                        )
            # Id fields the form does not show but the view may read (e.g. ``invoice``).
            for bad in BAD_IDS[:4]:
                http.force_login(alice.user)
                data = {**form.data(), **dict.fromkeys(foreign_ids_names() - set(form.data()), bad)}
                response = http.post(action, data)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"POST {action} extra ids={bad!r} -> {response.status_code}")
    STATS["bad_id_requests"] = STATS.get("bad_id_requests", 0) + requests
    print(f"\nbad ids: {requests} requests")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_it_answers_a_non_numeric_invoice_on_the_reminder_pause_without_a_500(
    world: dict[str, Freelancer],
) -> None:
    alice = world["alice"]
    http = Client(raise_request_exception=False)
    http.force_login(alice.user)
    url = reverse("communications:pause_create", args=[alice.first("client").pk])
    for bad in BAD_IDS:
        response = http.post(url, {"reason": "Urlaub", "invoice": bad})
        assert response.status_code in (302, 404), (bad, response.status_code)


@pytest.mark.django_db
def test_it_answers_404_to_bob_for_alices_security_key_after_reauthentication(
    world: dict[str, Freelancer],
) -> None:
    from allauth.mfa.models import Authenticator

    alice = world["alice"]
    key = Authenticator.objects.create(
        user=alice.user, type=Authenticator.Type.WEBAUTHN, data={"name": "Alices Laptop"}
    )
    http = Client(raise_request_exception=False)
    assert (
        http.post(reverse("login"), {"login": "bob", "password": "correct horse 42"}).status_code
        == 302
    )
    assert (
        http.post(reverse("account_reauthenticate"), {"password": "correct horse 42"}).status_code
        == 302
    )
    for name in sorted(REAUTH_FIRST):
        url = reverse(name, kwargs={"pk": key.pk})
        assert http.get(url).status_code == 404, name
        assert http.post(url, {"name": "Hacked by bob"}).status_code == 404, name
    key.refresh_from_db()
    assert key.data == {"name": "Alices Laptop"}
