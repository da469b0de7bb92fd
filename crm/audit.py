"""The audit log: who changed which client, project, offer or invoice, when, and what."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        key: [_plain(before.get(key)), _plain(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def audit_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Return the concrete field values of ``obj`` (for a later ``audit_changes``)."""
    names = fields or [
        field.attname for field in obj._meta.concrete_fields if field.name not in {"updated_at"}
    ]
    return {name: getattr(obj, name) for name in names}


def audit_entry(
    *,
    owner: Any,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Return one audit entry, not saved yet: for services that store many in one
    ``bulk_create``. ``actor`` is a user, or a string such as "client portal"."""
    actor_name = actor if isinstance(actor, str) else (actor.get_username() if actor else "system")
    return AuditEntry(
        owner=owner,
        actor=actor_name[:200],
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


def audit_record(
    *,
    owner: Any,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. ``actor`` is a user, or a string such as "client portal".

    Not idempotent: call once per change.
    """
    entry = audit_entry(owner=owner, actor=actor, action=action, obj=obj, changes=changes)
    entry.save(force_insert=True)
    return entry


def _plain(value: Any) -> Any:
    """Return a JSON-friendly version of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
