"""Per-freelancer data generations, so a cache can tell when one freelancer's data changed.

Every write to a row a freelancer owns (directly or through a parent: a milestone through its
project) gives that freelancer a new *generation*, a random number kept in the cache. A cached
value keyed on the generation is therefore never served after a change, whichever way the change
was made:

* ``Model.save()``: a ``post_save`` receiver connected in ``crm.apps`` for every model with an
  ``OwnedQuerySet`` manager; ``Model.delete()``: ``RenewsOwnerOnDelete`` in crm/models.py (the
  rows a cascade deletes with it belong to the same freelancer);
* ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()`` and ``delete()``: the
  ``OwnedQuerySet`` overrides in crm/models.py call ``owners_touch``.

The generation changes right away and once more when the transaction commits: a reader that
computed from the old data while the write was in flight stored it under the generation it read
first, which is already gone by then.

The cache is Redis in production (shared by every web process), local memory otherwise. When the
cache cannot be reached, ``generation`` answers ``None`` and callers compute without caching; a
write that cannot record its new generation is safe too, since the cache is then gone or
unreachable as well (Redis here keeps nothing on disk), and entries expire after their timeout.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

KEY = "owner-generation:{}"


def _key(owner_id: int) -> str:
    return KEY.format(owner_id)


def generation(owner_id: int) -> str | None:
    """Return the freelancer's current data generation, or ``None`` if the cache is down."""
    try:
        value = cache.get(_key(owner_id))
        if value is None:
            # First use (or the cache was emptied): start from a random value, so entries left
            # from an earlier life of the cache can never match.
            cache.add(_key(owner_id), secrets.token_hex(8), timeout=None)
            value = cache.get(_key(owner_id))
    except Exception:  # the cache server is unreachable: work without it
        logger.warning("Cache unavailable; serving without it", exc_info=True)
        return None
    return None if value is None else str(value)


def _renew(owner_ids: set[int]) -> None:
    try:
        cache.set_many({_key(owner_id): secrets.token_hex(8) for owner_id in owner_ids}, None)
    except Exception:
        logger.warning("Cache unavailable; could not renew data generations", exc_info=True)


def owners_touch(owner_ids: Iterable[Any]) -> None:
    """Give each of these freelancers a new generation, now and when the transaction commits."""
    ids = {int(owner_id) for owner_id in owner_ids if owner_id is not None}
    if not ids:
        return
    _renew(ids)
    transaction.on_commit(lambda: _renew(ids))


def owner_of(instance: Any, path: str) -> int | None:
    """Return the id of the freelancer who owns ``instance``, following ``path`` if needed.

    ``path`` is the queryset's ``owner_path`` (``"owner"`` or e.g. ``"project__owner"``). A
    parent that is gone already (a cascade deletes children with their parent) answers ``None``;
    the parent's own delete renews its owner's generation.
    """
    *parents, _owner = path.split("__")
    target = instance
    try:
        for name in parents:
            target = getattr(target, name)
    except Exception:  # a parent already gone (cascade) is not an error here
        return None
    return getattr(target, "owner_id", None)


def touch_instance(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_save`` receiver: the owner of a saved row has new data."""
    if kwargs.get("raw"):  # loaddata
        return
    path = getattr(sender._default_manager._queryset_class, "owner_path", "owner")
    owners_touch([owner_of(instance, path)])
