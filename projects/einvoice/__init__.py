"""The invoice as an e-invoice: Factur-X / ZUGFeRD hybrid PDF (EN 16931) and XRechnung (CII).

- ``builder``: the CII XML from the invoice's frozen snapshot (``invoice_xml``, ``xrechnung_xml``)
- ``codes``: unit codes, countries, VAT categories and the VAT treatment of a buyer
- ``hybrid``: the PDF/A-3 with the XML embedded (``facturx_pdf``)
- ``validation``: the official checks (XSD, EN 16931 schematron, XRechnung rules), used by the
  tests and by anyone who wants a report of failed rules
"""

from .builder import invoice_xml, xrechnung_xml
from .codes import VatTreatment, unit_code, vat_treatment_for
from .hybrid import facturx_pdf

__all__ = [
    "VatTreatment",
    "facturx_pdf",
    "invoice_xml",
    "unit_code",
    "vat_treatment_for",
    "xrechnung_xml",
]
