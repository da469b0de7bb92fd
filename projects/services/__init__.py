"""Services of the projects app: every write, one module per subdomain.

- ``project``: create, edit and move a project through its statuses;
- ``scope``: scope items, milestones and revision rounds;
- ``change_requests``: log a change request, accept it or decline it with an alternative;
- ``offers``: create, edit (a sent offer gets a new version), send, accept (the one acceptance,
  for the freelancer's button and the client portal), decline, expire;
- ``invoices``: create, edit, issue, cancel, delete;
- ``payments``: payments on invoices, one or a bank statement's thousands in one batch;
- ``lines``: saving the edited lines of a draft offer or invoice;
- ``numbering``: the gap-free number sequences.

Views, tasks, demo data, tests and the apps above call these functions; they write the rows,
the audit log and the client's timeline, and tell the apps above through ``projects.events``.
Reads live in ``projects.selectors``. A rule that is broken raises ``ProjectError`` with a
message fit for the freelancer's eyes.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from crm.audit import audit_changes, audit_record, audit_snapshot
from crm.models import AuditEntry


class ProjectError(Exception):
    """A business rule said no; the message is shown to the freelancer as it is."""


def audit_edit(
    *,
    owner: Any,
    actor: Any,
    obj: models.Model,
    before: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Audit the fields of ``obj`` that differ from ``before`` (plus ``extra``); none, no entry."""
    changes = {**audit_changes(before, audit_snapshot(obj)), **(extra or {})}
    if changes:
        audit_record(
            owner=owner, actor=actor, action=AuditEntry.Action.UPDATE, obj=obj, changes=changes
        )
