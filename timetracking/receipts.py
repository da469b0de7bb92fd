"""Receipt uploads: a PDF or an image, size-limited and pixel-bounded.

Pillow only warns about a decompression bomb below about 179 megapixels, and a small PNG of
12,000 x 12,000 pixels passes any size-on-disk check; so the pixel count is checked from the
header before anything is decoded, Pillow's guard is made an error for the decode, and an
image is downscaled once on upload (and re-encoded, which also drops its metadata), so every
later view or PDF gets a bounded picture.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# Pillow refuses anything larger in this process (crm.logos.strict_pixel_limit, from
# crm/apps.py): a 20-megapixel phone photo is still fine.
MAX_PIXELS = 20_000_000
MAX_SIDE = 2400  # long side after the one downscale
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


def receipt_clean(upload: Any) -> Any:
    """Return the upload, checked, or a downscaled copy of an image; raise ValidationError."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("A receipt may be at most 10 MB; this file has %(size).1f MB.")
            % {"size": upload.size / 1024 / 1024},
            code="receipt_too_large",
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return _renamed(upload, "pdf")
    return _image(upload)


def _renamed(upload: Any, suffix: str) -> Any:
    stem = PurePath(upload.name or "receipt").stem[:80] or "receipt"
    upload.name = f"{stem}.{suffix}"
    return upload


def _image(upload: Any) -> SimpleUploadedFile:
    not_allowed = ValidationError(
        _("Upload the receipt as a PDF, or as a JPEG, PNG or WebP image."), code="receipt_format"
    )
    too_large = ValidationError(
        _("The image has too many pixels; a receipt may have at most 20 megapixels."),
        code="receipt_pixels",
    )
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise not_allowed from exc
    if kind not in IMAGE_FORMATS:
        raise not_allowed
    if width * height > MAX_PIXELS:
        raise too_large
    upload.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                if kind == "JPEG" and image.mode not in {"RGB", "L"}:
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(
                    out, format=kind, **({"quality": 85} if kind != "PNG" else {"optimize": True})
                )
        except (
            OSError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ) as exc:
            raise not_allowed from exc
    suffix, content_type = IMAGE_FORMATS[kind]
    stem = PurePath(upload.name or "receipt").stem[:80] or "receipt"
    return SimpleUploadedFile(f"{stem}.{suffix}", out.getvalue(), content_type=content_type)
