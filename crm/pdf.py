"""Render Django templates to PDF with WeasyPrint, fetching nothing but our own static files.

Documents are rendered from data the freelancer and (through the portal) the client typed in.
An ``<img src="http://...">`` or ``file:///etc/passwd`` in a note must fetch nothing: WeasyPrint's
default fetcher would open it (server-side request forgery, local file disclosure). The fetcher
below answers only URLs under our static prefix, from the staticfiles finders, plus ``data:``.

Any character reaches these documents, too: ``printable`` maps every character that no font of
the document chain (DejaVu Sans, vendored; Noto Sans CJK and Noto Color Emoji from the system)
can show to a visible stand-in before WeasyPrint sees it, so no glyph is drawn as an empty box
(.notdef, which PDF/A forbids) and control characters never reach the PDF.
"""

from __future__ import annotations

import bisect
import functools
import logging
import mimetypes
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Documents resolve relative URLs against this origin; the reserved .invalid TLD (RFC 2606)
# never resolves, so even a fetcher bug could not reach a real host through it.
DOCUMENT_BASE_URL = "https://documents.invalid/"


class StaticOnlyURLFetcher(URLFetcher):
    """Serve our static files and ``data:`` URLs; refuse every other URL (network, file://)."""

    def __init__(self, base_url: str = DOCUMENT_BASE_URL) -> None:
        # allowed_protocols={"data"}: the parent fetcher opens data: URLs and nothing else.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        static_url = settings.STATIC_URL or "/static/"
        if not static_url.startswith(("http://", "https://")):
            static_url = "/" + static_url.lstrip("/")
            static_url = base_url.rstrip("/") + static_url
        self.static_prefix = static_url

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(self.static_prefix):
            return self._static(url)
        logger.warning("PDF rendering refused to fetch %s", url[:200])
        raise ValueError(f"Refused to fetch {url[:200]!r}: only our static files are served.")

    def _static(self, url: str) -> URLFetcherResponse:
        relative = unquote(urlsplit(url[len(self.static_prefix) :]).path)
        parts = Path(relative).parts
        # finders.find() joins paths under the static roots; ".." would climb out of them.
        if not relative or relative.startswith("/") or ".." in parts:
            raise ValueError(f"Refused static path {relative!r}.")
        found = finders.find(relative)
        if not found and settings.STATIC_ROOT:
            # With DEBUG off {% static %} names the hashed copy that only collectstatic wrote.
            collected = Path(settings.STATIC_ROOT) / relative
            found = str(collected) if collected.is_file() else None
        if not found:
            raise ValueError(f"Static file {relative!r} not found.")
        path = Path(found if isinstance(found, str) else found[0])
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            content_type = "font/ttf"
        return URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": content_type}, status=200
        )


class DocumentError(Exception):
    """A document (PDF, e-invoice) that could not be built.

    Raised instead of whatever the renderer raised, so that no download answers 500: the
    views answer with a page that says what to do (crm/middleware.py), the outbox holds the
    message with this text as its reason.
    """


@contextmanager
def document_rendering(name: str) -> Iterator[None]:
    """Turn any failure while building the document ``name`` into a logged ``DocumentError``."""
    try:
        yield
    except DocumentError:
        raise
    except Exception as error:  # WeasyPrint, lxml, facturx: each raises its own types
        logger.exception("Building %s failed", name)
        raise DocumentError(name) from error


# The fonts documents use, in fallback order (static/css/print.css names the same families).
# DejaVu Sans is vendored; the others come from the system (Debian: fonts-noto-cjk,
# fonts-noto-color-emoji, installed by .ci/run). A machine without them replaces CJK and emoji
# by U+FFFD rather than drawing empty boxes.
VENDORED_FONTS = ("fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf")
SYSTEM_FONTS = ("Noto Sans CJK JP", "Noto Color Emoji")
REPLACEMENT = "\ufffd"
# ASCII letters, digits and punctuation, tab and line breaks: in every font, no lookup needed.
_NEEDS_CHECK = re.compile(r"[^\t\n\r\x20-\x7e]")


def _fontconfig(*args: str) -> str:
    """Return what a fontconfig tool prints ("" without fontconfig's tools)."""
    program = shutil.which(args[0])
    if program is None:
        return ""
    return subprocess.run(  # noqa: S603 (a fixed program, font names and files of ours)
        [program, *args[1:]], capture_output=True, text=True, timeout=10, check=False
    ).stdout


@functools.cache
def _coverage() -> tuple[list[int], list[int]]:
    """Return the document fonts' code point ranges (starts, ends), sorted; read once.

    fontconfig prints a font's charset as hex ranges ("20-7e a0-17f ..."): a few hundred
    ranges instead of the fonts' full character maps in memory.
    """
    charsets = [
        _fontconfig("fc-query", "--format=%{charset}\n", finders.find(path) or "")
        for path in VENDORED_FONTS
    ]
    charsets += [
        _fontconfig("fc-list", "--format=%{charset}\n", f"{family}:style=Regular").split("\n")[0]
        for family in SYSTEM_FONTS
    ]
    ranges = []
    for item in " ".join(charsets).split():
        first, _, last = item.partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    merged: list[list[int]] = []  # the fonts' ranges overlap: keep their union
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [first for first, _ in merged], [last for _, last in merged]


def is_covered(char: str) -> bool:
    """Return whether some font of the document chain has a glyph for ``char``."""
    starts, ends = _coverage()
    code = ord(char)
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and ends[index] >= code


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    category = unicodedata.category(char)
    if category == "Cc":
        return " "  # form feed, vertical tab, \x01 ... pasted from Word or a PDF
    if is_covered(char):
        return char
    if category == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF:
        return char  # direction marks, joiners, variation selectors: shaped, never drawn
    return REPLACEMENT


def printable(text: str) -> str:
    """Return ``text`` with every character no document font can show replaced (see above)."""
    return _NEEDS_CHECK.sub(_stand_in, text)


_local = threading.local()


def _font_config() -> FontConfiguration:
    """Return this thread's font configuration, created once.

    A fresh FontConfiguration per render re-registers the @font-face fonts with fontconfig and
    grew the process by about 0.5 MB a render (measured: 30 renders, +16 MB); one per thread
    stays flat. Thread-local because fontconfig objects are not safe to share across threads.
    """
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    base_url: str | None = None,
    pdf_variant: str | None = None,
) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes. No side effects; safe to repeat.

    Relative URLs resolve against ``base_url`` (our document origin by default); only static
    files under it are fetched. ``pdf_variant`` passes e.g. ``"pdf/a-3b"`` to WeasyPrint.
    """
    base = base_url or DOCUMENT_BASE_URL
    html = printable(render_to_string(template_name, context))
    fetcher = StaticOnlyURLFetcher(base)
    options: dict[str, Any] = {"font_config": _font_config()}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.write_pdf(**options)
