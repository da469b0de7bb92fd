"""Stored files of the inbox (raw mails and attachments): one copy per distinct content and
freelancer, however many mails carry it."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from .models import Blob


def blob_store(*, owner_id: int, content: bytes) -> Blob:
    """Return the stored file with this content, storing it if new. Safe to run twice.

    The unique (owner, sha256) constraint keeps one copy however many mails carry the file.
    """
    digest = hashlib.sha256(content).hexdigest()
    existing = Blob.objects.filter(owner_id=owner_id, sha256=digest).only("pk").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Blob.objects.create(
                owner_id=owner_id, sha256=digest, size=len(content), content=content
            )
    except IntegrityError:  # stored by a concurrent run a moment ago
        return Blob.objects.only("pk").get(owner_id=owner_id, sha256=digest)


def blobs_store(*, owner_id: int, contents: list[bytes]) -> dict[str, Blob]:
    """Store each distinct content once; return the stored files by SHA-256. Safe to run twice.

    Two queries for a whole batch: the unique (owner, sha256) constraint turns a concurrent
    insert of the same file into a skipped row, read back with the rest.
    """
    by_hash = {hashlib.sha256(content).hexdigest(): content for content in contents}
    if not by_hash:
        return {}
    stored = {
        blob.sha256: blob
        for blob in Blob.objects.filter(owner_id=owner_id, sha256__in=list(by_hash)).only(
            "pk", "sha256"
        )
    }
    missing = [digest for digest in by_hash if digest not in stored]
    if missing:
        Blob.objects.bulk_create(
            [
                Blob(
                    owner_id=owner_id,
                    sha256=digest,
                    size=len(by_hash[digest]),
                    content=by_hash[digest],
                )
                for digest in missing
            ],
            ignore_conflicts=True,
        )
        stored.update(
            {
                blob.sha256: blob
                for blob in Blob.objects.filter(owner_id=owner_id, sha256__in=missing).only(
                    "pk", "sha256"
                )
            }
        )
    return stored
