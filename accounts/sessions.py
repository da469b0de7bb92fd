"""The active-sessions list: which device, from where, last used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from user_agents import parse


@dataclass(frozen=True)
class SessionRow:
    device: str
    ip: str
    created_at: Any
    last_seen_at: Any
    is_current: bool


def device_label(user_agent: str) -> str:
    """Return "Firefox 133 on Windows 11"-style text for a User-Agent header."""
    if not user_agent:
        return "?"
    agent = parse(user_agent)
    browser = " ".join(p for p in (agent.browser.family, agent.browser.version_string) if p)
    system = " ".join(p for p in (agent.os.family, agent.os.version_string) if p)
    return f"{browser} · {system}" if system and system != "Other" else browser


def session_rows(request: HttpRequest, sessions: list[Any]) -> list[SessionRow]:
    """Return the user's sessions for display, the current one first, then by last use."""
    rows = [
        SessionRow(
            device=device_label(s.user_agent),
            ip=s.ip,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            is_current=s.session_key == request.session.session_key,
        )
        for s in sessions
    ]
    return sorted(rows, key=lambda r: (not r.is_current, -(r.last_seen_at.timestamp())))
