"""Celery tasks: thin wrappers that call the planners and the dispatcher (no eta, ever)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True)
def plan_messages() -> dict[str, int]:
    """Run every planner once (idempotent, safe to overlap)."""
    from .planners import messages_plan

    return messages_plan()


@shared_task(ignore_result=True)
def dispatch_messages() -> dict[str, Any]:
    """Send the due messages (claims atomically; at most once)."""
    from .dispatch import messages_dispatch

    result = messages_dispatch()
    return {"claimed": result.claimed, "sent": result.sent, "failed": result.failed}
