"""The project package: settings, URLs, Celery app and the shared base every app uses."""

from .celery import app as celery_app

__all__ = ("celery_app",)
