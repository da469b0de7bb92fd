"""The Celery application; tasks are discovered in each app's tasks.py."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Drop a broken or expired database connection around each task, as Django does per request.

    Celery's Django fix-up keeps the connection for CELERY_DB_REUSE_MAX tasks and never runs
    Django's per-request check, so after a PostgreSQL restart every task failed on the dead
    connection ("the connection is closed") until the reuse count ran out: up to 200 tasks per
    pool process, hours of the dispatcher's one-minute sweeps. Django's
    ``close_old_connections`` closes a connection that failed or outlived CONN_MAX_AGE and
    re-arms CONN_HEALTH_CHECKS, so the first query of the next task reconnects. Eager tasks run
    inside the caller's transaction: untouched.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections as close

    close()
