"""Tone of address: turn a client's language and form of address into words.

Every e-mail template and every PDF goes through ``tone_for(client)``; nothing else decides how a
client is greeted. A client here is anything with ``language``, ``form_of_address``,
``salutation``, ``sign_off`` and ``name`` attributes (``clients.Client``, or a snapshot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

GERMAN = "de"
ENGLISH = "en"
FORMAL = "formal"
INFORMAL = "informal"

_FORM_LABELS = {
    (GERMAN, FORMAL): "Sie",
    (GERMAN, INFORMAL): "du",
    (ENGLISH, FORMAL): "formal",
    (ENGLISH, INFORMAL): "casual",
}
_LANGUAGE_LABELS = {GERMAN: "Deutsch", ENGLISH: "English"}

# Pronoun forms templates may use as {{ tone.you }}, {{ tone.your }} and so on.
_PRONOUNS = {
    (GERMAN, FORMAL): {
        "you": "Sie",
        "you_dative": "Ihnen",
        "your": "Ihr",
        "your_f": "Ihre",
        "your_dative": "Ihrem",
        "yours": "Ihres",
    },
    (GERMAN, INFORMAL): {
        "you": "du",
        "you_dative": "dir",
        "your": "dein",
        "your_f": "deine",
        "your_dative": "deinem",
        "yours": "deines",
    },
}
_ENGLISH_PRONOUNS = {
    "you": "you",
    "you_dative": "you",
    "your": "your",
    "your_f": "your",
    "your_dative": "your",
    "yours": "yours",
}
_PRONOUNS[(ENGLISH, FORMAL)] = _PRONOUNS[(ENGLISH, INFORMAL)] = _ENGLISH_PRONOUNS

_CLOSINGS = {
    (GERMAN, FORMAL): "Mit freundlichen Grüßen",
    (GERMAN, INFORMAL): "Viele Grüße",
    (ENGLISH, FORMAL): "Kind regards",
    (ENGLISH, INFORMAL): "Best",
}

# German titles of address, e.g. "Frau Dr. Weber" -> ("Frau", "Dr. Weber").
_DE_TITLE = re.compile(r"^\s*(Frau|Herr|Herrn)\s+(.+)$", re.IGNORECASE)
# An academic title that stands on its own in English: "Dr. Weber", not "Ms Dr. Weber".
_ACADEMIC_TITLE = re.compile(r"^(Dr|Prof)\.?(\s|$)", re.IGNORECASE)


class AddressedParty(Protocol):
    language: str
    form_of_address: str
    salutation: str
    sign_off: str
    name: str


@dataclass(frozen=True)
class Tone:
    """How to address one client: greeting, pronouns and closing in their language."""

    language: str
    form: str
    salutation: str
    greeting: str
    closing: str
    pronouns: dict[str, str] = field(default_factory=dict)

    @property
    def is_formal(self) -> bool:
        return self.form == FORMAL

    @property
    def label(self) -> str:
        """Return the badge text, e.g. ``Deutsch · Sie``."""
        return f"{_LANGUAGE_LABELS[self.language]} · {_FORM_LABELS[(self.language, self.form)]}"

    def __getattr__(self, name: str) -> str:
        # Lets templates write {{ tone.you }} / {{ tone.your }}; unknown names fail loudly.
        pronouns = self.__dict__.get("pronouns", {})
        if name in pronouns:
            return pronouns[name]
        raise AttributeError(name)

    def as_context(self) -> dict[str, Any]:
        """Return the tone as plain values for a restricted template context."""
        return {
            "language": self.language,
            "form": self.form,
            "is_formal": self.is_formal,
            "salutation": self.salutation,
            "greeting": self.greeting,
            "closing": self.closing,
            "label": self.label,
            **self.pronouns,
        }


def _normalise(language: str, form: str) -> tuple[str, str]:
    language = language if language in (GERMAN, ENGLISH) else GERMAN
    form = form if form in (FORMAL, INFORMAL) else FORMAL
    return language, form


def greeting_for(language: str, form: str, salutation: str, name: str = "") -> str:
    """Return the opening line of a letter, e.g. ``Sehr geehrte Frau Dr. Weber,``.

    ``name`` is the fallback of a casual greeting without a salutation: pass a person's first
    name, never a company name ("Hallo Müller GmbH," reads wrong; "Hallo," does not).
    """
    language, form = _normalise(language, form)
    salutation = " ".join((salutation or "").split())
    name = " ".join((name or "").split())
    if language == GERMAN:
        if form == INFORMAL:
            return f"Hallo {salutation or name}," if (salutation or name) else "Hallo,"
        match = _DE_TITLE.match(salutation)
        if match:
            title, rest = match.groups()
            if title.lower() == "frau":
                return f"Sehr geehrte Frau {rest},"
            return f"Sehr geehrter Herr {rest},"
        if salutation:
            return f"Guten Tag {salutation},"
        return "Sehr geehrte Damen und Herren,"
    if form == INFORMAL:
        return f"Hi {salutation or name}," if (salutation or name) else "Hi there,"
    match = _DE_TITLE.match(salutation)
    if match:
        # A German salutation on an English letter: "Frau Dr. Weber" -> "Dr. Weber".
        title, rest = match.groups()
        english_title = "Ms" if title.lower() == "frau" else "Mr"
        # "Drescher" starts with "dr" too: only a title token counts.
        salutation = rest if _ACADEMIC_TITLE.match(rest) else f"{english_title} {rest}"
    if salutation:
        return f"Dear {salutation},"
    return "Dear Sir or Madam,"


def tone_for(client: AddressedParty) -> Tone:
    """Return the tone of address for ``client`` (language, form, greeting, pronouns, closing)."""
    language, form = _normalise(client.language, client.form_of_address)
    salutation = (client.salutation or "").strip()
    return Tone(
        language=language,
        form=form,
        salutation=salutation,
        greeting=greeting_for(language, form, salutation, _first_name(client)),
        closing=(client.sign_off or "").strip() or _CLOSINGS[(language, form)],
        pronouns=dict(_PRONOUNS[(language, form)]),
    )


def _first_name(client: AddressedParty) -> str:
    """Return a person's first name for a casual greeting; nothing for a company."""
    if getattr(client, "kind", "person") != "person":
        return ""
    parts = (getattr(client, "name", "") or "").split()
    return parts[0] if parts else ""
