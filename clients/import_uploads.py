"""Keep an uploaded client file between the import's steps, and the freelancer's mappings as
presets for the next file of the same kind (``import_rows`` turns the rows into clients).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .import_fields import Detection, normalise
from .import_files import Table
from .models import ImportPreset, ImportUpload

UPLOAD_MAX_AGE = datetime.timedelta(days=1)


def import_upload_store(
    *, user: Any, filename: str, content: bytes, table: Table, detection: Detection
) -> ImportUpload:
    """Keep an uploaded file for the mapping and preview steps; return it.

    Replaces the freelancer's earlier unfinished upload and sweeps everybody's uploads older than
    a day (so abandoned files do not pile up). Not idempotent: each call stores a new upload.
    """
    with transaction.atomic():
        ImportUpload.objects.filter(owner=user).delete()
        ImportUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_MAX_AGE).delete()
        return ImportUpload.objects.create(
            owner=user,
            filename=filename[:200],
            content=content,
            file_kind=table.kind,
            # A known format's key (translated when shown), or the preset's name.
            detected_format=(detection.format_key or detection.format_label)[:40],
            mapping=detection.mapping,
            mapping_done=detection.certain,
        )


def import_mapping_save(
    *, upload: ImportUpload, table: Table, mapping: dict[str, str], preset_name: str = ""
) -> ImportUpload:
    """Store the freelancer's mapping on the upload and, with a name, as a preset. Idempotent."""
    with transaction.atomic():
        upload.mapping = mapping
        upload.mapping_done = True
        if preset_name:
            upload.detected_format = preset_name[:40]
            words = [normalise(header) for header in table.headers]
            ImportPreset.objects.update_or_create(
                owner=upload.owner,
                name__iexact=preset_name,
                defaults={
                    "name": preset_name,
                    "headers": words,
                    "mapping": {
                        words[int(index)]: target
                        for index, target in mapping.items()
                        if int(index) < len(words)
                    },
                },
            )
        upload.save(update_fields=["mapping", "mapping_done", "detected_format", "updated_at"])
    return upload
