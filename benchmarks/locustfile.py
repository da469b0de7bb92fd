"""Locust workload: logged-in freelancers browsing and editing (see benchmarks/bench_load.py).

Each simulated user logs in as one of LOAD_USERS (round robin; password ``<name>-pass-2026`` as
``demo_data`` sets it), then mixes reads (dashboard, client list with search, client page,
project page, messages) with edits (add a note through the htmx endpoint, approve a draft, edit a
client through its form). CSRF is handled like a browser: the token from the cookie goes into the
``X-CSRFToken`` header (htmx) or the form field.

The server runs without TLS on loopback with DEBUG off, so its cookies carry the Secure flag;
the cookie policy below sends them over plain HTTP anyway (only for this test). FastHttpUser
(geventhttpclient) keeps the load generator's own CPU use small: it shares the 2 cores.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from typing import Any

from locust import FastHttpUser, between, constant_throughput, task

LOAD_USERS = os.environ.get("LOAD_USERS", "load-1,load-2,load-3,load-4,bench-large").split(",")
_next_user = itertools.cycle(LOAD_USERS)
SEARCHES = ["a", "e", "GmbH", "Berlin", "mül", "studio"]


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """Send Secure cookies over plain http too (loopback load test only)."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


class FormFields(HTMLParser):
    """Collect the fields of the first form whose action is ``action`` (as a browser would)."""

    def __init__(self, action: str = "") -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("action", "") == self.action:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select and ("selected" in a):
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


# LOAD_PACE > 0: each user starts that many tasks per second (open loop, a fixed offered load);
# otherwise users think 0.05-0.2 s between tasks (closed loop: as fast as the server answers).
PACE = float(os.environ.get("LOAD_PACE", "0"))


class Freelancer(FastHttpUser):
    wait_time = constant_throughput(PACE) if PACE > 0 else between(0.05, 0.2)

    def on_start(self) -> None:
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        self.username = next(_next_user)
        self.client.get("/accounts/login/", name="login form")
        response = self.client.post(
            "/accounts/login/",
            data={
                "login": self.username,
                "password": f"{self.username}-pass-2026",
                "csrfmiddlewaretoken": self.csrf,
            },
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {self.username}: {response.status_code}")
        page = self.client.get("/clients/", name="/clients/").text
        self.client_ids = [int(i) for i in re.findall(r'href="/clients/(\d+)/"', page)] or [0]
        page = self.client.get("/projects/", name="/projects/").text
        self.project_ids = [int(i) for i in re.findall(r'href="/projects/(\d+)/"', page)] or [0]

    @property
    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "") or ""

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/", name="/")
        # The browser then loads the quick-note form into the page (htmx, hx-trigger="load").
        self.client.get(
            "/clients/notes/quick-add/",
            headers={"HX-Request": "true"},
            name="/clients/notes/quick-add/ (htmx)",
        )

    @task(3)
    def client_list_search(self) -> None:
        self.client.get(f"/clients/?q={random.choice(SEARCHES)}", name="/clients/?q=")

    @task(4)
    def client_page(self) -> None:
        self.client.get(f"/clients/{random.choice(self.client_ids)}/", name="/clients/[id]/")

    @task(3)
    def project_page(self) -> None:
        self.client.get(f"/projects/{random.choice(self.project_ids)}/", name="/projects/[id]/")

    @task(2)
    def messages(self) -> None:
        self.client.get("/messages/", name="/messages/")

    @task(2)
    def note_add(self) -> None:
        client_id = random.choice(self.client_ids)
        self.client.post(
            f"/clients/{client_id}/notes/",
            data={"kind": "context", "noted_on": "2026-11-23", "body": "Load test note."},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            name="POST /clients/[id]/notes/ (htmx)",
        )

    @task(1)
    def approve_draft(self) -> None:
        page = self.client.get("/messages/?status=draft", name="/messages/?status=draft").text
        ids = re.findall(r"/messages/(\d+)/approve/", page)
        if ids:
            self.client.post(
                f"/messages/{random.choice(ids)}/approve/",
                headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
                name="POST /messages/[id]/approve/ (htmx)",
            )

    @task(1)
    def client_edit(self) -> None:
        client_id = random.choice(self.client_ids)
        url = f"/clients/{client_id}/edit/"
        page = self.client.get(url, name="/clients/[id]/edit/").text
        form = FormFields()  # the edit form posts to its own URL
        form.feed(page)
        fields = form.fields
        fields["csrfmiddlewaretoken"] = self.csrf
        with self.client.post(
            url,
            data=fields,
            name="POST /clients/[id]/edit/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"edit not saved: HTTP {response.status_code}")
