"""Read back where a PDF put its words (poppler's ``pdftotext -bbox``), in millimetres.

For tests of the document layout: DIN 5008 positions, text that must stay on the page. Tests
only; app code never imports it.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Word:
    """One word as pdftotext sees it: page number (from 1), text and its box in mm."""

    page: int
    text: str
    left: float
    top: float
    right: float
    bottom: float
    page_width: float
    page_height: float


def pdf_words(pdf: bytes) -> list[Word]:
    """Return every word of ``pdf`` with its box, measured from the page's top-left corner."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        html = subprocess.run(  # noqa: S603 (poppler, a file of ours)
            ["pdftotext", "-bbox", str(path), "-"],  # noqa: S607
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    root = etree.fromstring(html, etree.XMLParser(recover=True, huge_tree=True))
    words: list[Word] = []
    for number, page in enumerate(root.iter("{*}page"), start=1):
        width = float(page.get("width")) / MM
        height = float(page.get("height")) / MM
        for word in page.iter("{*}word"):
            words.append(
                Word(
                    page=number,
                    text=word.text or "",
                    left=float(word.get("xMin")) / MM,
                    top=float(word.get("yMin")) / MM,
                    right=float(word.get("xMax")) / MM,
                    bottom=float(word.get("yMax")) / MM,
                    page_width=width,
                    page_height=height,
                )
            )
    return words
