"""Fixtures of the portal tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run queued tasks in this process at once, as a worker would (the broker is not tested)."""
    from crm.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
