"""crm.pdf: the URL fetcher serves only our static files; fonts render umlauts, ß and €."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from weasyprint import HTML

from crm.pdf import DOCUMENT_BASE_URL, StaticOnlyURLFetcher, render_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _render(html: str) -> bytes:
    return HTML(
        string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=StaticOnlyURLFetcher()
    ).write_pdf()


def test_it_fetches_nothing_from_the_network(http_trap: tuple[str, list[str]]) -> None:
    base, requests = http_trap
    html = (
        f'<p>x</p><img src="{base}/tracker.png"><link rel="stylesheet" href="{base}/a.css">'
        f'<div style="background: url({base}/bg.png)">y</div>'
    )
    _render(html)
    assert requests == []


def test_it_would_be_reached_by_weasyprints_default_fetcher(
    http_trap: tuple[str, list[str]],
) -> None:
    # Guards the test above: without our fetcher, WeasyPrint does fetch from the server.
    base, requests = http_trap
    HTML(string=f'<img src="{base}/tracker.png">', base_url=DOCUMENT_BASE_URL).write_pdf()
    assert requests == ["/tracker.png"]


def test_it_refuses_local_files() -> None:
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch("file:///etc/passwd")
    pdf = _render('<img src="file:///etc/passwd"><iframe src="file:///etc/passwd"></iframe>ok')
    assert "root:" not in _text(pdf)


def test_it_refuses_paths_that_climb_out_of_static() -> None:
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch(f"{DOCUMENT_BASE_URL}static/../../crm/settings.py")
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch(f"{DOCUMENT_BASE_URL}static/%2e%2e/%2e%2e/crm/settings.py")


def test_it_serves_our_static_files_and_data_urls() -> None:
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(f"{DOCUMENT_BASE_URL}static/fonts/DejaVuSans.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_it_serves_hashed_names_from_static_root_in_production(
    settings: Any, tmp_path: Any
) -> None:
    # With DEBUG off, {% static %} gives the hashed name that exists only in STATIC_ROOT.
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.0123abcd.css").write_text("@page { size: A4 }")
    settings.STATIC_ROOT = tmp_path
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(f"{DOCUMENT_BASE_URL}static/css/print.0123abcd.css")
    assert response.read() == b"@page { size: A4 }"
    with pytest.raises(ValueError, match="not found"):
        fetcher.fetch(f"{DOCUMENT_BASE_URL}static/css/print.ffffffff.css")


def test_it_embeds_a_font_with_umlauts_and_euro(settings: Any) -> None:
    pdf = render_pdf("documents/_probe.html", {"text": "Größe Übermaß – 1.234,56 €"})
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "Größe Übermaß – 1.234,56 €" in _text(pdf)
    fonts = {
        font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    # The @font-face family from static/fonts/ (a subset of DejaVu Sans), not a system font.
    assert any("Document-Sans" in str(name) for name in fonts)


def test_it_replaces_what_no_document_font_can_show() -> None:
    from crm.pdf import printable

    text = "x\x0cy\x01z\x7f 日本 😀👍🏽 مرحبا \u200f äöü€ \ue000 \u0378"
    assert printable(text) == "x y z  日本 😀👍🏽 مرحبا \u200f äöü€ \ufffd \ufffd"
