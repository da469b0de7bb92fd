"""Per-freelancer data generations, so a cache can tell when one freelancer's data changed.

Every write to a row a freelancer owns (directly or through a parent: a milestone through its
project) gives that freelancer a new *generation* of that model, a random number kept in the
cache under (freelancer, model label). A value cached under the generations of the models it was
computed from is therefore never served after a change to one of them, whichever way the change
was made:

* ``Model.save()``: a ``post_save`` receiver connected in ``crm.apps`` for every model with an
  ``OwnedQuerySet`` manager;
* ``Model.delete()`` (``RenewsOwnerOnDelete`` in crm/models.py) and queryset ``delete()`` renew
  the generation ``ANY``, which every key includes: a cascade deletes rows of other models, all
  of the same freelancer;
* ``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()``: the ``OwnedQuerySet``
  overrides in crm/models.py call ``owners_touch``.

The generation changes right away and once more when the transaction commits: a reader that
computed from the old data while the write was in flight stored it under the generation it read
first, which is already gone by then.

The cache is Redis in production, files in .cache/ otherwise; either way shared by the web
processes and the Celery worker. When the cache cannot be reached, ``generations`` answers
``None`` and callers compute without caching; a
write that cannot record its new generation is safe too, since the cache is then gone or
unreachable as well (Redis here keeps nothing on disk), and entries expire after their timeout.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

KEY = "owner-generation:{}:{}"


def _key(owner_id: int, label: str) -> str:
    return KEY.format(owner_id, label)


def generations(owner_id: int, labels: Iterable[str]) -> dict[str, str] | None:
    """Return the freelancer's current generation of each model label (``"clients.client"``)
    and of ``ANY`` (renewed by deletes), or ``None`` if the cache is down."""
    keys = {_key(owner_id, label): label for label in {*labels, ANY}}
    try:
        found = cache.get_many(list(keys))
        missing = [key for key in keys if key not in found]
        if missing:
            # First use (or the cache was emptied): start from random values, so entries left
            # from an earlier life of the cache can never match.
            for key in missing:
                cache.add(key, secrets.token_hex(8), timeout=None)
            found.update(cache.get_many(missing))
    except Exception:  # the cache server is unreachable: work without it
        logger.warning("Cache unavailable; serving without it", exc_info=True)
        return None
    if len(found) < len(keys):
        return None
    return {keys[key]: str(value) for key, value in found.items()}


def _renew(owner_ids: set[int], label: str) -> None:
    try:
        cache.set_many(
            {_key(owner_id, label): secrets.token_hex(8) for owner_id in owner_ids}, None
        )
    except Exception:
        logger.warning("Cache unavailable; could not renew data generations", exc_info=True)


ANY = "*"  # renewed by deletes: a cascade removes rows of other models too


def owners_touch(owner_ids: Iterable[Any], model: Any = None) -> None:
    """Renew these freelancers' generation of ``model`` (of everything when ``None``), now and
    when the transaction commits."""
    ids = {int(owner_id) for owner_id in owner_ids if owner_id is not None}
    if not ids:
        return
    label = ANY if model is None else model._meta.label_lower
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending.update((owner_id, label) for owner_id in ids)
        return
    _renew(ids, label)
    transaction.on_commit(lambda: _renew(ids, label))


_deferred = threading.local()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Renew the generations of the writes in this block once each, when it ends (now and on
    commit), instead of twice per saved row: for a service that saves thousands of rows one by
    one, such as a bank statement import. Nested blocks renew with the outermost, and a block
    left by an exception renews too (writes outside a transaction stay written)."""
    if getattr(_deferred, "pending", None) is not None:
        yield
        return
    pending: set[tuple[int, str]] = set()
    _deferred.pending = pending
    try:
        yield
    finally:
        _deferred.pending = None
        by_label: dict[str, set[int]] = {}
        for owner_id, label in pending:
            by_label.setdefault(label, set()).add(owner_id)
        for label, ids in by_label.items():
            _renew(ids, label)
            transaction.on_commit(functools.partial(_renew, ids, label))


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
    owners_touch([owner_of(instance, path)], sender)
