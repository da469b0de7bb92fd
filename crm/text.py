"""The one rule for text that is stored: XML 1.0 characters only, Unicode in NFC.

Text pasted from Word or a PDF brings control characters (form feed, vertical tab, ``\\x01``)
that XML 1.0 forbids; lxml refuses them, so an invoice holding one could be issued but never
rendered as an e-invoice. Decomposed Unicode (``"e" + U+0301`` from macOS) looks like ``"é"``
but compares, sorts and searches differently. So every piece of text is cleaned where it
enters: ``text_clean`` for one value, ``CleanTextMixin`` for every form (the CSV and vCard
import run through the client form too), ``text_clean_data`` for nested document data.

What the rule does, in this order:

- vertical tab and form feed (Word's manual line break, a PDF's page break) become a newline;
- every other character XML 1.0 forbids is removed: the C0 controls except tab, newline and
  carriage return, lone surrogates, U+FFFE and U+FFFF;
- the result is normalised to NFC.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.db import models

# XML 1.0: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def text_clean(value: str) -> str:
    """Return ``value`` with only XML 1.0 characters, line-break controls as newlines, in NFC."""
    if value.isascii() and value.isprintable():
        return value  # the common case: nothing to do, no regex
    value = XML_ILLEGAL.sub("", value.translate(LINE_BREAKS))
    return unicodedata.normalize("NFC", value)


def text_is_clean(value: str) -> bool:
    """Return whether ``text_clean`` would leave ``value`` as it is."""
    return text_clean(value) == value


def text_clean_data(value: Any) -> tuple[Any, bool]:
    """Return a copy of ``value`` (str, list, dict, nested) with every string cleaned.

    The second item tells whether anything changed: a draft document says so.
    """
    if isinstance(value, str):
        cleaned = text_clean(value)
        return cleaned, cleaned != value
    if isinstance(value, dict):
        pairs = [(key, text_clean_data(item)) for key, item in value.items()]
        return {key: item for key, (item, _) in pairs}, any(changed for _, (_, changed) in pairs)
    if isinstance(value, (list, tuple)):
        items = [text_clean_data(item) for item in value]
        return type(value)(item for item, _ in items), any(changed for _, changed in items)
    return value, False


def text_repair_rows(model: type[models.Model]) -> int:
    """Clean the text columns of every row of ``model``; return how many rows changed.

    For data migrations (pass the historical model): repairs rows stored before the rule.
    """
    names = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    ]
    changed = []
    for row in model._default_manager.only("pk", *names).iterator(chunk_size=2000):
        dirty = False
        for name in names:
            value = getattr(row, name)
            if isinstance(value, str) and not text_is_clean(value):
                setattr(row, name, text_clean(value))
                dirty = True
        if dirty:
            changed.append(row)
    model._default_manager.bulk_update(changed, names, batch_size=500)
    return len(changed)


class CleanTextMixin:
    """Form mixin: clean every submitted text value with ``text_clean`` before validation.

    Cleaning the submitted data (not ``cleaned_data``) means the length limits, ``clean_*``
    methods and model validation all see the text that will be stored. Passwords are left
    as typed: they are hashed, never stored or printed. Every form of the project uses this
    mixin (crm/tests/test_text.py checks it).
    """

    data: Any
    fields: dict[str, forms.Field]
    is_bound: bool

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = self._clean_text_data(self.data)
        super().full_clean()  # type: ignore[misc]

    def _clean_text_data(self, data: Any) -> Any:
        secret = {
            self.add_prefix(name)  # type: ignore[attr-defined]
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.PasswordInput)
        }
        if hasattr(data, "getlist"):  # a QueryDict (request.POST): keep its lists
            copy = data.copy()
            for key in copy:
                if key not in secret:
                    copy.setlist(key, [_clean_value(item) for item in data.getlist(key)])
            return copy
        return {key: value if key in secret else _clean_value(value) for key, value in data.items()}


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return text_clean(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean_value(item) for item in value)
    return value


class CleanForm(CleanTextMixin, forms.Form):
    """A form whose text is cleaned (crm/text.py): the base of every plain form."""


class CleanModelForm(CleanTextMixin, forms.ModelForm):
    """A model form whose text is cleaned (crm/text.py): the base of every model form."""
