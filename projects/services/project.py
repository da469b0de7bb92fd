"""The project itself: create it, edit it, move it through its statuses (audited)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audit_record, audit_snapshot
from crm.models import AuditEntry
from timeline.services import activity_record

from .. import events
from ..models import STATUS_TRANSITIONS, Project
from . import ProjectError, audit_edit

Status = Project.Status


@transaction.atomic
def project_create(*, project: Project, actor: Any) -> Project:
    """Save a new project (owner = actor), with audit and timeline entries. Not idempotent."""
    project.owner = actor
    if project.is_vat_exempt:
        project.vat_rate = Decimal(0)
    project.save()
    audit_record(owner=actor, actor=actor, action=AuditEntry.Action.CREATE, obj=project)
    activity_record(
        client=project.client,
        kind="status",
        summary=_("Project created: %(title)s") % {"title": project.title},
        project=project,
    )
    return project


@transaction.atomic
def project_update(*, project: Project, actor: Any) -> Project:
    """Save the edited project and audit what changed against the stored row. Safe to run twice."""
    stored = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_vat_exempt:
        project.vat_rate = Decimal(0)
    project.save()
    audit_edit(owner=project.owner, actor=actor, obj=project, before=audit_snapshot(stored))
    return project


@transaction.atomic
def project_set_status(
    *, project: Project, status: str, actor: Any, today: datetime.date | None = None
) -> Project:
    """Move the project to ``status`` if the transition is allowed; audit it. Idempotent."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.status == status:
        return locked
    if status not in STATUS_TRANSITIONS.get(locked.status, frozenset()):
        raise ProjectError(
            _("A project cannot go from “%(old)s” to “%(new)s”.")
            % {"old": locked.get_status_display(), "new": Status(status).label}
        )
    old = locked.status
    locked.status = status
    if status in {Status.CLOSED, Status.CANCELLED}:
        locked.ended_on = today or timezone.localdate()
    locked.save(update_fields=["status", "ended_on", "updated_at"])
    audit_record(
        owner=locked.owner,
        actor=actor,
        action=AuditEntry.Action.STATUS,
        obj=locked,
        changes={"status": [old, status]},
    )
    activity_record(
        client=locked.client,
        kind="status",
        summary=_("Project %(title)s: %(status)s")
        % {"title": locked.title, "status": Status(status).label},
        project=locked,
    )
    project.status, project.ended_on = locked.status, locked.ended_on
    events.project_status_changed.send(
        sender=Project, project=locked, old=old, new=status, actor=actor
    )
    return locked
