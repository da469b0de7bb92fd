"""Which field of which model can hold a client's personal data, and what erasure does with it.

Every app declares its models in ``<app>/personal_data.py``::

    from privacy.classes import ERASED, KEPT_BY_LAW, NOT_PERSONAL   # (plain strings)

    PERSONAL_DATA = {
        "Client": {"name": "erased", "email": "erased", ...},
    }

(it imports nothing: the three values are plain strings, so a low app need not import this
high one). Apps of other packages are classified in ``privacy/personal_data.py``
(``OTHER_APPS``). ``privacy/tests/test_personal_data.py`` walks every model of every installed
app and fails on any text, char, e-mail, URL, JSON or IP field that nobody classified; fields
with ``choices`` cannot hold free text and need no entry. docs/privacy.md explains the classes.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models

ERASED = "erased"  # deleted or replaced by a placeholder when the client is erased
KEPT_BY_LAW = "kept by law"  # kept unchanged: part of an issued invoice or a sent offer
NOT_PERSONAL = "not personal"  # cannot hold a client's personal data (the freelancer's own...)
CLASSES = {ERASED, KEPT_BY_LAW, NOT_PERSONAL}

TEXT_FIELDS = (
    models.CharField,  # EmailField, URLField, SlugField are CharFields
    models.TextField,
    models.JSONField,
    models.GenericIPAddressField,
)


def text_fields(model: type[models.Model]) -> Iterator[models.Field]:
    """Yield the fields of ``model`` that can hold free text (choices cannot)."""
    for field in model._meta.concrete_fields:
        if isinstance(field, TEXT_FIELDS) and not field.choices:
            yield field


def classification() -> dict[str, dict[str, dict[str, str]]]:
    """Return {app_label: {ModelName: {field: class}}} from every app's declarations."""
    from .personal_data import OTHER_APPS

    result: dict[str, dict[str, dict[str, str]]] = {k: dict(v) for k, v in OTHER_APPS.items()}
    for config in apps.get_app_configs():
        try:
            module: Any = importlib.import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.personal_data":
                raise
            continue
        declared = getattr(module, "PERSONAL_DATA", None)
        if declared is not None:
            result.setdefault(config.label, {}).update(declared)
    return result


def field_class(model: type[models.Model], field_name: str) -> str | None:
    """Return the class of one field, or None when nobody classified it."""
    meta = model._meta
    return classification().get(meta.app_label, {}).get(meta.object_name, {}).get(field_name)
