"""Test helpers shared by every app (imported by tests only, never by app code).

``assert_owner_only`` is the own / other freelancer / anonymous trio in one call::

    from crm.testing import assert_owner_only

    def test_it_shows_a_client_only_to_its_owner(alice, bob, acme):
        assert_owner_only(reverse("clients:detail", args=[acme.pk]), owner=alice, other=bob)

    def test_it_archives_only_own_clients(alice, bob, acme):
        assert_owner_only(
            reverse("clients:archive", args=[acme.pk]),
            owner=alice, other=bob, method="post", expect=(302,),
        )
        acme.refresh_from_db()
        assert acme.is_archived

The other freelancer and the anonymous visitor go first, so a view that wrongly changes data
for them is caught before the owner's request does the same change legitimately.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client

__all__ = ("assert_login_required", "assert_owner_only", "client_for")


def client_for(user: Any | None, **defaults: Any) -> Client:
    """Return a fresh test client, logged in as ``user`` unless it is None."""
    client = Client(**defaults)
    if user is not None:
        client.force_login(user)
    return client


def _request(
    client: Client, method: str, url: str, data: Any, headers: dict[str, str] | None
) -> HttpResponse:
    call = getattr(client, method.lower())
    if data is None:
        return call(url, headers=headers)
    return call(url, data, headers=headers)


def assert_login_required(response: HttpResponse, url: str) -> None:
    """Assert ``response`` sends an anonymous visitor to the log-in page and back to ``url``."""
    assert response.status_code == 302, (
        f"anonymous {url}: expected a redirect to the log-in page, got {response.status_code}"
    )
    location = urlsplit(response["Location"])
    login_path = urlsplit(resolve_url(settings.LOGIN_URL)).path
    assert location.path == login_path, (
        f"anonymous {url}: redirected to {response['Location']}, not to {login_path}"
    )
    assert "next=" in location.query, f"anonymous {url}: the redirect lost ?next="


def assert_owner_only(
    url: str,
    *,
    owner: Any,
    other: Any,
    method: str = "get",
    data: Any = None,
    expect: Iterable[int] = (200,),
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Assert only ``owner`` reaches ``url``; return the owner's response.

    ``other`` (another freelancer) must get 404, never 403 or data; an anonymous visitor must be
    redirected to the log-in page; ``owner`` must get one of the ``expect`` status codes
    (200 by default; e.g. ``(302,)`` for a POST that redirects). Each party uses its own fresh
    client, so sessions never leak between them. ``headers`` (e.g. ``{"HX-Request": "true"}``)
    are sent with all three requests.
    """
    expected = tuple(expect)
    response = _request(client_for(other), method, url, data, headers)
    assert response.status_code == 404, (
        f"{method.upper()} {url} as another freelancer: expected 404, got {response.status_code}"
    )
    response = _request(client_for(None), method, url, data, headers)
    assert_login_required(response, url)
    response = _request(client_for(owner), method, url, data, headers)
    assert response.status_code in expected, (
        f"{method.upper()} {url} as the owner: expected {expected}, got {response.status_code}"
    )
    return response


def browser_log_in(page: Any, username: str = "alice", next_url: str = "/") -> None:
    """Log ``username`` in through the login form in a Playwright page, then go to ``next_url``.

    The personas of conftest.py share the password ``correct horse 42``.
    """
    from playwright.sync_api import expect

    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill("correct horse 42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
