"""The freelancer's side of an agreement: save it (and schedule its next invoice), end it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from ..models import Retainer
from .periods import schedule_reset


def retainer_save(*, retainer: Retainer, actor: Any) -> Retainer:
    """Save a new or edited retainer and schedule its next invoice. Safe to run twice."""
    with transaction.atomic():
        if not retainer.pk:
            retainer.owner_id = actor.pk
        schedule_reset(retainer)
        retainer.save()
    return retainer


def retainer_end(*, retainer: Retainer, ends_on: datetime.date, actor: Any) -> Retainer:
    """End the agreement on ``ends_on`` (its last period is billed pro rata). Idempotent."""
    with transaction.atomic():
        locked = Retainer.objects.select_for_update().get(pk=retainer.pk)
        locked.ends_on = max(ends_on, locked.starts_on)
        schedule_reset(locked)
        locked.save()
    return locked
