"""Logged-in traffic against the running web app while a fault is injected.

A thread sends the same round of requests over and over (dashboard, client list, a client page,
adding a note) and records every answer with the phase of the test it fell into. Bounded in
count and time: it stops by itself.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

from tests.harness import HttpSession

# Seconds before the next request after an error answer.
RETRY_PAUSE = 0.1
# Text of templates/503.html in German (the browser asks for German) and English (the profile).
UNAVAILABLE_TEXTS = ("vorübergehend nicht erreichbar", "temporarily unavailable")


@dataclass
class Hit:
    """One request and its answer (``status`` 0 when no answer came: refused or timed out)."""

    phase: str
    action: str
    status: int
    retry_after: str = ""
    clean: bool = True
    note: str = ""
    error: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class Traffic:
    """Requests in a loop from one logged-in session; ``hits`` records them all."""

    session: HttpSession
    client_id: int
    phase: str = "up"
    max_requests: int = 20_000
    max_seconds: float = 600
    hits: list[Hit] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    ACTIONS = ("dashboard", "client list", "client page", "add note")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            if len(self.hits) >= self.max_requests or time.monotonic() - started > self.max_seconds:
                return
            for action in self.ACTIONS:
                hit = self._one(action)
                self.hits.append(hit)
                if hit.status != 200:
                    # A person (or a polite client) tries again a moment later, not in a loop.
                    time.sleep(RETRY_PAUSE)

    def _one(self, action: str) -> Hit:
        phase = self.phase
        note = ""
        try:
            if action == "dashboard":
                response = self.session.get("/")
            elif action == "client list":
                response = self.session.get("/clients/")
            elif action == "client page":
                response = self.session.get(f"/clients/{self.client_id}/")
            else:
                note = f"Notiz {uuid.uuid4().hex}"
                response = self.session.post(
                    f"/clients/{self.client_id}/notes/",
                    {"kind": "context", "body": note, "noted_on": "2026-11-24"},
                    headers={"HX-Request": "true"},
                )
        except OSError as exc:  # refused, reset or timed out: the app did not answer
            return Hit(phase, action, 0, note=note, error=f"{type(exc).__name__}: {exc}")
        clean = "Traceback" not in response.body and "Internal Server Error" not in response.body
        if response.status == 503:
            clean = clean and any(text in response.body for text in UNAVAILABLE_TEXTS)
        return Hit(
            phase,
            action,
            response.status,
            retry_after=response.headers.get("retry-after", ""),
            clean=clean,
            note=note,
        )

    def since(self, moment: float) -> list[Hit]:
        return [hit for hit in list(self.hits) if hit.at >= moment]

    def recovered_since(self, moment: float) -> bool:
        """Return whether every action has answered 200 at least once after ``moment``."""
        ok = {hit.action for hit in self.since(moment) if hit.status == 200}
        return ok == set(self.ACTIONS)
