"""Where receipts are stored: a private folder of MEDIA_ROOT, never served as a public URL.

Receipts are only downloaded through a view that checks their owner (``url()`` names it).
The folder lives inside MEDIA_ROOT so the backup of MEDIA_ROOT covers it; the web server must
not serve it (docs/time.md, docs/deploy.md). The location is read from the settings at each
use, so tests that move MEDIA_ROOT move it too.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

PRIVATE_FOLDER = "private"


@deconstructible
class ReceiptStorage(FileSystemStorage):
    """File-system storage in MEDIA_ROOT/private whose URLs are the owner-checked view."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return os.path.join(str(settings.MEDIA_ROOT), PRIVATE_FOLDER)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property  # type: ignore[override]
    def base_url(self) -> str:
        return ""

    def url(self, name: str | None) -> str:
        """Return the owner-checked view that serves the file, never a public address."""
        from django.urls import reverse

        return reverse("timetracking:receipt_file", kwargs={"name": name or ""})
