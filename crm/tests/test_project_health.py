"""Project-wide guarantees: admin for every model, clean migrations, deploy checks, CSP."""

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
# Every app of this repository (each a top-level folder), including ones added later.
OUR_APPS = tuple(
    config.label for config in apps.get_app_configs() if Path(config.path).parent == ROOT
)


def our_models():
    return [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.auto_created
    ]


def test_it_knows_models_of_every_app():
    labels = {model._meta.app_label for model in our_models()}

    assert {"crm", "timeline", "clients", "projects", "communications", "portal"} <= labels


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_it_registers_every_model_in_the_admin(model):
    assert admin.site.is_registered(model), f"{model._meta.label} has no ModelAdmin"


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_it_loads_every_admin_changelist(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    assert admin_client.get(url).status_code == 200


def test_it_loads_the_user_admin_with_profile_and_audit_rows(admin_client, alice):
    from crm.models import AuditEntry

    AuditEntry.objects.create(
        owner=alice,
        actor="alice",
        action="create",
        object_type="client",
        object_id="1",
        object_repr="Acme",
    )
    assert admin_client.get(reverse("admin:crm_user_change", args=[alice.pk])).status_code == 200
    assert admin_client.get(reverse("admin:crm_auditentry_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:crm_profile_changelist")).status_code == 200


@pytest.mark.django_db
def test_it_has_no_missing_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations --check found changes:\n{out.getvalue()}  ({exit_})")


def test_it_passes_the_deploy_check_in_production_mode(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "signup", "password_reset"])
def test_it_sends_a_strict_csp_on_public_pages(client, name):
    assert_strict_csp(client.get(reverse(name)))


@pytest.mark.parametrize("name", ["crm:profile", "password_change"])
def test_it_sends_a_strict_csp_on_private_pages(alice_client, name):
    assert_strict_csp(alice_client.get(reverse(name)))


def assert_strict_csp(response):
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in filter(None, (chunk.strip() for chunk in policy.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\s(?:data-)?(?:hx-)?on[a-z:-]*[a-z]\s*=", re.IGNORECASE)
# htmx reads data-hx-* as well as hx-*; only data-* attributes are valid HTML (Nu checker).
BARE_HTMX_ATTRIBUTE = re.compile(r"\shx-[a-z-]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)

# Templates that are not served as web pages: e-mails and PDFs are no subject of the CSP.
NOT_WEB_PAGES = ("emails/", "documents/")


def web_templates():
    return sorted(
        path
        for path in (ROOT / "templates").rglob("*.html")
        if not str(path.relative_to(ROOT / "templates")).startswith(NOT_WEB_PAGES)
    )


@pytest.mark.parametrize(
    "template", web_templates(), ids=lambda path: str(path.relative_to(ROOT / "templates"))
)
def test_it_has_no_inline_script_or_style_in_templates(template):
    text = template.read_text(encoding="utf-8")
    problems = [
        f"{label}: {match.group(0).strip()!r}"
        for label, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("<style> element", STYLE_ELEMENT),
            ("event handler attribute", EVENT_HANDLER),
            ("javascript: URL", JAVASCRIPT_URL),
            ("hx-* attribute (write data-hx-*)", BARE_HTMX_ATTRIBUTE),
        )
        for match in pattern.finditer(text)
    ]

    assert not problems, f"{template}: " + "; ".join(problems)


def test_it_catches_what_the_template_scan_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert STYLE_ATTRIBUTE.search('<div style="color:red">')
    assert EVENT_HANDLER.search('<button onclick="x()">')
    assert EVENT_HANDLER.search('<div hx-on:click="x()">')
    assert EVENT_HANDLER.search('<div hx-on::after-request="x()">')
    assert EVENT_HANDLER.search('<div data-hx-on:click="x()">')
    assert BARE_HTMX_ATTRIBUTE.search('<form hx-post="/x/">')
    assert not BARE_HTMX_ATTRIBUTE.search('<form data-hx-post="/x/">')
    assert not EVENT_HANDLER.search('<div data-bs-toggle="collapse" aria-controls="nav">')
    assert not EVENT_HANDLER.search('<input name="language" value="on">')


def test_it_serves_vendored_assets_not_a_cdn(alice_client):
    body = alice_client.get(reverse("crm:profile")).content.decode()

    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert not re.search(r"""(?:src|href)=["']https?://""", body)


def test_it_documents_every_environment_variable_in_the_readme():
    source = (ROOT / "crm" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"} <= names
    missing = sorted(name for name in names if f"| `{name}` |" not in readme)
    assert not missing, f"settings.py reads these, README.md's table lacks them: {missing}"


@pytest.mark.django_db
def test_it_answers_health_checks_over_http_but_redirects_pages(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a fresh handler reads the redirect setting

    assert client.get("/healthz").status_code == 200
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_it_shows_friendly_error_pages(client, settings):
    from django.template.loader import render_to_string

    settings.DEBUG = False
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert "Something went wrong" in render_to_string("500.html")
