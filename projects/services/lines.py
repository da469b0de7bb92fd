"""Saving an edit of a draft offer or invoice: its own fields and its lines, audited once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from crm.audit import audit_snapshot

from ..models import Invoice, Offer
from ..models.lines import CONCESSIONS_EXCEED, LineItem, rates_below_zero
from . import ProjectError, audit_edit


@dataclass(frozen=True)
class LineEdit:
    """One line as the form left it: an existing line (``pk``) to change or delete, or a new one.

    ``values`` holds the line's fields (``models.lines.LINE_FIELDS``); a deleted line needs none.
    """

    values: dict[str, Any] = field(default_factory=dict)
    pk: int | None = None
    delete: bool = False


def lines_save(*, document: Offer | Invoice, lines: list[LineEdit]) -> bool:
    """Apply the edits to the document's lines; return whether any line was written.

    An existing line is written only when a value differs; an id that is not one of this
    document's lines (a stale form) is ignored; a new line marked deleted is skipped.
    """
    existing = {line.pk: line for line in document.lines.all()}
    changed = False
    for edit in lines:
        if edit.pk is None:
            if not edit.delete:
                document.lines.create(**edit.values)
                changed = True
            continue
        line = existing.get(edit.pk)
        if line is None:
            continue
        if edit.delete:
            line.delete()
            changed = True
        elif any(getattr(line, name) != value for name, value in edit.values.items()):
            for name, value in edit.values.items():
                setattr(line, name, value)
            line.save()
            changed = True
    return changed


def draft_update(
    *, document: Offer | Invoice, fields: dict[str, Any], lines: list[LineEdit], actor: Any
) -> None:
    """Write the edited fields and lines of a draft offer or invoice; audit what changed.

    The caller holds the document's row lock and has checked that it may still change, inside
    a transaction: discounts that would take a VAT rate below zero raise ``ProjectError``, and
    the caller's transaction rolls the edit back.
    """
    before = audit_snapshot(document)
    for name, value in fields.items():
        setattr(document, name, value)
    document.save()
    lines_changed = lines_save(document=document, lines=lines)
    if lines_changed:
        saved = list(document.lines.values("kind", "quantity", "unit_price", "vat_rate"))
        if any(
            (line["unit_price"] < 0) == (line["kind"] == LineItem.Kind.ITEM) and line["unit_price"]
            for line in saved
        ):
            raise ProjectError(
                _("An item's price cannot be negative; a discount's or goodwill credit's must be.")
            )
        if rates_below_zero(saved):
            raise ProjectError(str(CONCESSIONS_EXCEED))
    audit_edit(
        owner=document.owner,
        actor=actor,
        obj=document,
        before=before,
        extra={"lines": ["…", "changed"]} if lines_changed else None,
    )
