"""Render Django templates to PDF with WeasyPrint, fetching nothing but our own static files.

Documents are rendered from data the freelancer and (through the portal) the client typed in.
An ``<img src="http://...">`` or ``file:///etc/passwd`` in a note must fetch nothing: WeasyPrint's
default fetcher would open it (server-side request forgery, local file disclosure). The fetcher
below answers only URLs under our static prefix, from the staticfiles finders, plus ``data:``.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
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
    html = render_to_string(template_name, context)
    fetcher = StaticOnlyURLFetcher(base)
    options: dict[str, Any] = {"font_config": _font_config()}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.write_pdf(**options)
