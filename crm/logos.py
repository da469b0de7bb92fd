"""The freelancer's logo: bounded before it is decoded, downscaled once when it is uploaded.

A 17 KB PNG can claim 12,000 x 12,000 pixels; decoding it costs about 1 GB, and every PDF with
it took 8.5 s. Pillow only warns up to about 179 megapixels. So an uploaded logo's size is
read from its header (no pixels decoded) and refused above ``LOGO_MAX_SIDE`` pixels a side or
``LOGO_MAX_PIXELS`` in all; Pillow's own guard is set to the same limit and turned from a
warning into an error (``strict_pixel_limit``), for every image this process opens. An accepted
logo is stored once at most ``LOGO_WIDTH`` pixels wide (what a PDF needs at 300 dpi for its
45 mm), re-encoded without its metadata (EXIF, GPS, text chunks, colour profiles), so documents
never decode the original.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

LOGO_MAX_SIDE = 4_000
LOGO_MAX_PIXELS = 20_000_000
LOGO_WIDTH = 600
LOGO_HEIGHT = 600


def strict_pixel_limit() -> None:
    """Make Pillow refuse (not warn about) any image above ``LOGO_MAX_PIXELS``. Idempotent."""
    Image.MAX_IMAGE_PIXELS = LOGO_MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)


@contextmanager
def _strict() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def logo_check(file: IO[bytes]) -> tuple[int, int] | None:
    """Return the image's (width, height) read from its header; refuse one that is too large.

    Decodes no pixels. Raises ValidationError with the limits in the message; returns None
    for a file Pillow cannot read at all.
    """
    file.seek(0)
    try:
        with _strict(), Image.open(file) as image:
            size = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        size = (0, 0)  # Pillow refused before telling the size: over 20 megapixels
    except OSError:
        return None  # not an image at all: the form field's own check says so
    finally:
        file.seek(0)
    width, height = size
    if size == (0, 0) or max(size) > LOGO_MAX_SIDE or width * height > LOGO_MAX_PIXELS:
        raise ValidationError(
            _(
                "This logo has too many pixels: a logo may have at most 4,000 × 4,000 pixels "
                "and 20 megapixels in all. A width of 600 pixels is plenty for documents."
            ),
            code="logo_pixels",
        )
    return size


def logo_downscaled(file: IO[bytes], name: str) -> ContentFile:
    """Return the logo at most ``LOGO_WIDTH`` x ``LOGO_HEIGHT`` pixels, without metadata.

    Checks the size first (``logo_check``). PNG stays PNG (transparency kept), anything else
    becomes JPEG. Writes nothing; the caller stores the returned file.
    """
    logo_check(file)
    with _strict(), Image.open(file) as original:
        image = ImageOps.exif_transpose(original)  # a phone's rotation, before EXIF goes
        is_png = original.format == "PNG"
        image.thumbnail((LOGO_WIDTH, LOGO_HEIGHT), Image.Resampling.LANCZOS)
        if is_png:
            if image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
                image = image.convert("RGBA")
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        # A fresh save without exif=, icc_profile= or pnginfo= writes no metadata.
        if is_png:
            image.save(out, format="PNG", optimize=True)
        else:
            image.save(out, format="JPEG", quality=90, optimize=True)
    stem = PurePath(name).stem or "logo"
    return ContentFile(out.getvalue(), name=f"{stem}.{'png' if is_png else 'jpg'}")
