"""The freelancer's time settings, the hourly rate that applies to new time, and per-project
settings (whether the client portal shows the hours)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from projects.models import Project

from ..models import ClientRate, ProjectTimeSettings, TimeSettings


def settings_for(user: Any) -> TimeSettings:
    """Return the freelancer's time settings (unsaved defaults when there are none yet)."""
    found = TimeSettings.objects.filter(owner_id=user.pk).first()
    return found or TimeSettings(owner_id=user.pk)


def settings_save(*, settings: TimeSettings) -> TimeSettings:
    """Save the time settings, creating the row on first use. Safe to run twice."""
    with transaction.atomic():
        existing = (
            TimeSettings.objects.select_for_update().filter(owner_id=settings.owner_id).first()
        )
        if existing is not None:
            settings.pk = existing.pk
            settings.created_at = existing.created_at
        settings.save()
    return settings


def rate_for(project: Project) -> Decimal | None:
    """Return the hourly rate for new time on ``project``: the project's, else the client's,
    else the freelancer's default (None when nobody set one)."""
    if project.hourly_rate is not None:
        return project.hourly_rate
    client_rate = (
        ClientRate.objects.filter(client_id=project.client_id)
        .values_list("hourly_rate", flat=True)
        .first()
    )
    if client_rate is not None:
        return client_rate
    return (
        TimeSettings.objects.filter(owner_id=project.owner_id)
        .values_list("hourly_rate", flat=True)
        .first()
    )


def client_rate_set(*, owner: Any, client: Any, hourly_rate: Decimal | None) -> None:
    """Set (or, with None, remove) the hourly rate agreed with ``client``. Safe to run twice."""
    if hourly_rate is None:
        ClientRate.objects.filter(owner=owner, client=client).delete()
        return
    ClientRate.objects.update_or_create(
        client=client, defaults={"owner": owner, "hourly_rate": hourly_rate}
    )


def project_settings_for(project: Project) -> ProjectTimeSettings:
    """Return the project's time settings (unsaved defaults when there are none yet)."""
    found = ProjectTimeSettings.objects.filter(project_id=project.pk).first()
    return found or ProjectTimeSettings(project=project, owner_id=project.owner_id)


def project_hours_in_portal_set(*, project: Project, shown: bool) -> ProjectTimeSettings:
    """Show or hide the hours in the project's client portal. Safe to run twice."""
    row, _created = ProjectTimeSettings.objects.update_or_create(
        project=project, defaults={"owner_id": project.owner_id, "hours_in_portal": shown}
    )
    return row
