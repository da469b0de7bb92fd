"""What was agreed and when: scope items, milestones and revision rounds (audited writes).

Their audit entries are written on the project (``scope_item``, ``milestone``,
``revision_round`` in the changes), so the audit log's project filter shows every change to
what was agreed, next to the project's own edits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.audit import audit_changes, audit_record, audit_snapshot
from crm.models import AuditEntry
from timeline.services import activity_record

from .. import events
from ..models import Milestone, Project, RevisionRound, ScopeItem
from . import ProjectError


def _audit(*, project: Project, actor: Any, changes: dict[str, Any]) -> None:
    """Audit a change to one part of the project's agreement, on the project itself."""
    audit_record(
        owner=project.owner,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=project,
        changes=changes,
    )


def _save_edit(obj: ScopeItem | Milestone, *, part: str, actor: Any) -> None:
    """Save the edited row and audit the fields that differ from the stored one (none, no
    entry). The stored row is locked, so two edits at once are audited one after the other."""
    stored = type(obj).objects.select_for_update().get(pk=obj.pk)
    obj.save()
    changes = audit_changes(audit_snapshot(stored), audit_snapshot(obj))
    if changes:
        changes = {f"{part}.{field}": values for field, values in changes.items()}
        _audit(project=obj.project, actor=actor, changes={part: str(obj), **changes})


# ---------------------------------------------------------------------------------------------
# Scope items


@transaction.atomic
def scope_item_add(*, item: ScopeItem, actor: Any) -> ScopeItem:
    """Append a scope item at the end of its project's list; audited. Not idempotent."""
    last = ScopeItem.objects.filter(project=item.project).aggregate(Max("position"))
    item.position = (last["position__max"] or 0) + 1
    item.save()
    _audit(project=item.project, actor=actor, changes={"scope_item": [None, str(item)]})
    return item


@transaction.atomic
def scope_item_update(*, item: ScopeItem, actor: Any) -> ScopeItem:
    """Save the edited scope item; audit what changed against the stored row. Safe to run twice."""
    _save_edit(item, part="scope_item", actor=actor)
    return item


@transaction.atomic
def scope_item_delete(*, item: ScopeItem, actor: Any) -> None:
    """Delete the scope item; audited. Call once per item (a second call would audit again);
    the gap it leaves in the positions is harmless."""
    _audit(project=item.project, actor=actor, changes={"scope_item": [str(item), None]})
    item.delete()


@transaction.atomic
def scope_item_move(*, item: ScopeItem, direction: str, actor: Any) -> None:
    """Swap the item with its neighbour above ("up") or below ("down") in the same list.

    Audited; at the top (or bottom) of its list nothing moves and nothing is written, so it is
    safe to run twice. The list is locked, so two moves at once renumber it one after the other.
    """
    siblings = list(
        ScopeItem.objects.select_for_update()
        .filter(project_id=item.project_id, is_in_scope=item.is_in_scope)
        .order_by("position", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    old_position = siblings[other].position
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position", "updated_at"])
    _audit(
        project=item.project,
        actor=actor,
        changes={
            "scope_item": str(item),
            "scope_item.position": [old_position, siblings[other].position],
        },
    )


# ---------------------------------------------------------------------------------------------
# Milestones


@transaction.atomic
def milestone_add(*, milestone: Milestone, actor: Any) -> Milestone:
    """Save a new milestone of its project; audited. Not idempotent."""
    milestone.save()
    _audit(
        project=milestone.project,
        actor=actor,
        changes={
            "milestone": [None, str(milestone)],
            "milestone.due_on": [None, str(milestone.due_on)],
        },
    )
    events.milestone_changed.send(sender=Milestone, milestone=milestone, actor=actor)
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor: Any) -> Milestone:
    """Save the edited milestone; audit what changed against the stored row. Safe to run twice.

    Sends ``events.milestone_changed``: a later forecast plans a delay notice at once.
    """
    _save_edit(milestone, part="milestone", actor=actor)
    events.milestone_changed.send(sender=Milestone, milestone=milestone, actor=actor)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: Any) -> None:
    """Delete the milestone; audited. Call once per milestone (a second call would audit again)."""
    _audit(project=milestone.project, actor=actor, changes={"milestone": [str(milestone), None]})
    milestone.delete()


# ---------------------------------------------------------------------------------------------
# Revision rounds


@transaction.atomic
def revision_log(*, revision: RevisionRound, actor: Any) -> RevisionRound:
    """Log a revision round; beyond the agreement it must be billable or goodwill. Audited.

    The project row is locked while the included rounds are counted, so two rounds logged at
    once cannot both take the last included one. Not idempotent.
    """
    project = Project.objects.select_for_update().get(pk=revision.project_id)
    included = project.revisions.filter(billing=RevisionRound.Billing.INCLUDED).count()
    if revision.billing == RevisionRound.Billing.INCLUDED and included >= project.revisions_agreed:
        raise ProjectError(
            _(
                "All %(n)s agreed revision rounds are used. Mark this round as billable or as a "
                "goodwill extra."
            )
            % {"n": project.revisions_agreed}
        )
    revision.save()
    label = revision.get_billing_display()
    _audit(
        project=revision.project,
        actor=actor,
        changes={"revision_round": [None, f"{revision.requested_on} ({revision.billing})"]},
    )
    activity_record(
        client=revision.project.client,
        kind="status",
        summary=_("Revision round logged (%(billing)s)") % {"billing": label},
        project=revision.project,
    )
    return revision
