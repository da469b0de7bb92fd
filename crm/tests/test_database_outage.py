"""A database outage answers 503 with Retry-After and a translated page, never a 500.

The injected fault: every SQL statement fails as it does while PostgreSQL restarts (the real
restart, with gunicorn and a private cluster, is tests/faults/test_postgres_restart.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client


@pytest.fixture
def browser(alice: Any) -> Client:
    """A logged-in client that gets the error response instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def database_down() -> Iterator[None]:
    """Make every query fail the way a restarting PostgreSQL does."""
    error = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(CursorWrapper, "execute", side_effect=error):
        yield


@pytest.mark.parametrize(
    ("language", "heading"),
    [("de", "Das CRM ist vorübergehend nicht erreichbar"), ("en", "temporarily unavailable")],
)
def test_it_answers_503_with_retry_after_while_the_database_is_down(
    browser: Client, database_down: None, language: str, heading: str
) -> None:
    # The session lookup in the middleware is the first query: it fails before any view runs.
    response = browser.get("/clients/", headers={"accept-language": language})

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    content = response.content.decode()
    assert heading in content
    assert 'href="/clients/"' in content  # "try again" reloads the page
    assert "Traceback" not in content


def test_it_answers_503_when_a_view_loses_the_connection(browser: Client, alice: Any) -> None:
    from clients.tests.factories import ClientFactory

    acme = ClientFactory(owner=alice)
    session_ok = CursorWrapper.execute

    def fail_on_clients(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        if "clients_client" in sql:
            raise InterfaceError("connection already closed")
        return session_ok(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", fail_on_clients):
        response = browser.post(f"/clients/{acme.pk}/notes/", {"kind": "context", "body": "Hi"})

    assert response.status_code == 503
    assert 'href="/"' in response.content.decode()  # a POST is not repeated by a link


def test_it_keeps_the_500_page_for_other_errors(browser: Client) -> None:
    with mock.patch.object(CursorWrapper, "execute", side_effect=ValueError("a bug")):
        response = browser.get("/clients/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong." in response.content.decode()


@pytest.mark.django_db
def test_it_reports_the_database_in_the_health_check(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}

    with mock.patch.object(
        CursorWrapper, "execute", side_effect=OperationalError("the database system is starting up")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}
    assert response["Retry-After"] == "10"
