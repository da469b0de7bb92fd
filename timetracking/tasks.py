"""Periodic work of time tracking (Celery beat): thin tasks around the planners."""

from __future__ import annotations

from celery import shared_task

from . import forecasts, retainers


@shared_task(soft_time_limit=240, time_limit=300)
def plan_time() -> dict[str, int]:
    """Draft due retainer and recurring invoices, refresh forecasts from hours; safe twice."""
    return {
        "invoices": retainers.retainers_plan(),
        "forecasts": forecasts.forecasts_refresh(),
    }
