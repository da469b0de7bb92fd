"""The Factur-X / ZUGFeRD hybrid: the WeasyPrint PDF/A-3 with ``factur-x.xml`` embedded.

``facturx`` embeds the XML (AFRelationship *Data*), writes the XMP metadata and checks the XML
against the official XSD on the way.
"""

from __future__ import annotations

from typing import Any

from facturx import generate_from_binary


def facturx_pdf(pdf: bytes, xml: bytes, data: dict[str, Any]) -> bytes:
    """Return the PDF/A-3 with ``factur-x.xml`` embedded (checked against the XSD first)."""
    seller = data["seller"].get("business_name") or data["seller"]["name"]
    return generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": seller,
            "keywords": "Factur-X, ZUGFeRD, Invoice",
            "title": f"{seller}: {data['number']}",
            "subject": f"Invoice {data['number']} dated {data['issued_on']} issued by {seller}",
        },
        lang="de-DE" if data["buyer"]["language"] == "de" else "en-GB",
    )
