"""Periodic work of time tracking (Celery beat): thin tasks around the planners."""

from __future__ import annotations

from celery import shared_task

from . import forecasts, retainers


@shared_task(soft_time_limit=240, time_limit=300)
def plan_retainers() -> int:
    """Draft the retainer and recurring invoices whose day has come; safe to run twice."""
    return retainers.retainers_plan()


@shared_task(soft_time_limit=240, time_limit=300)
def refresh_forecasts() -> int:
    """Write or withdraw the milestone forecasts from hours (catches edited estimates)."""
    return forecasts.forecasts_refresh()
