"""Content Security Policy on every HTML page; HTTPS-only cookies and HSTS in production."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import Freelancer
from .test_url_walker import all_routes, owned_values

ROOT = Path(__file__).resolve().parents[2]
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def alice_urls(world: dict[str, Freelancer]) -> list[str]:
    """Return one GET URL per route, filled with alice's objects (her own token pages too)."""
    alice = world["alice"]
    urls = []
    for route in all_routes():
        kwargs = {}
        for kwarg in route.kwargs:
            kwargs[kwarg] = owned_values(route, kwarg, alice)[-1]
        urls.append(reverse(route.name, kwargs=kwargs))
    return urls


@pytest.mark.django_db
def test_it_sends_a_strict_csp_on_every_html_page(
    world: dict[str, Freelancer], client: Any
) -> None:
    client.force_login(world["alice"].user)
    anon = Client()
    html_pages = 0
    problems = []

    for url in alice_urls(world):
        for http in (client, anon):
            response = http.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            html_pages += 1
            header = response.get("Content-Security-Policy", "")
            directives = csp_directives(header)
            if not header:
                problems.append(f"{url}: no CSP header")
                continue
            for name in ("script-src", "style-src"):
                sources = directives.get(name) or directives.get("default-src", [])
                bad = [source for source in sources if source in UNSAFE]
                if bad or not sources:
                    problems.append(f"{url}: {name} {sources}")
            if directives.get("object-src") != ["'none'"]:
                problems.append(f"{url}: object-src {directives.get('object-src')}")
            if directives.get("frame-ancestors") != ["'none'"]:
                problems.append(f"{url}: frame-ancestors {directives.get('frame-ancestors')}")

    assert html_pages > 60
    assert not problems, "\n".join(problems)


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "ALLOWED_HOSTS",
    "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "X_FRAME_OPTIONS",
)}))
"""


@pytest.fixture(scope="module")
def production_settings() -> dict[str, Any]:
    """The settings values as a production process (DEBUG off) sees them."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
                       "SECURE_HSTS_SECONDS", "BEHIND_PROXY"}
    }  # fmt: skip
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(38)[:50],
        ALLOWED_HOSTS="example.com",
        DJANGO_SETTINGS_MODULE="crm.settings",
    )
    output = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_it_is_https_only_in_production(production_settings: dict[str, Any]) -> None:
    values = production_settings

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["ALLOWED_HOSTS"] == ["example.com"]
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_it_refuses_to_start_in_production_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(DEBUG="false", ALLOWED_HOSTS="example.com", DJANGO_SETTINGS_MODULE="crm.settings")

    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, timeout=60
    )

    assert result.returncode != 0
    assert b"SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_it_sets_secure_httponly_cookies_on_login_in_production(
    production_settings: dict[str, Any], settings: Any, alice: Any
) -> None:
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"):
        setattr(settings, name, production_settings[name])
    settings.ALLOWED_HOSTS = production_settings["ALLOWED_HOSTS"]
    http = Client(enforce_csrf_checks=True, HTTP_HOST="example.com")

    plain = http.get(reverse("login"), secure=False)
    form = http.get(reverse("login"), secure=True)
    csrf = form.cookies["csrftoken"]
    response = http.post(
        reverse("login"),
        {"login": "alice", "password": "correct horse 42", "csrfmiddlewaretoken": csrf.value},
        secure=True,
        HTTP_REFERER="https://example.com/accounts/login/",
    )

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://example.com/")
    assert csrf["secure"] is True
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] in ("Lax", "Strict")


def test_it_sends_hsts_over_https_in_production(
    production_settings: dict[str, Any], settings: Any, client: Any, db: None
) -> None:
    settings.SECURE_HSTS_SECONDS = production_settings["SECURE_HSTS_SECONDS"]
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"]

    response = client.get(reverse("login"), secure=True)

    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert response["X-Content-Type-Options"] == "nosniff"
