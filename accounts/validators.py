"""Passwords must not be made of the words of this service (ASVS 5.0 V6.1.2, V6.2.11)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words an attacker tries first against this service; docs/security.md lists them too.
CONTEXT_WORDS = (
    "kundenpflege",
    "freelancer",
    "freiberufler",
    "crm",
    "kunde",
    "kunden",
    "client",
    "clients",
    "rechnung",
    "invoice",
    "angebot",
    "passwort",
    "password",
)


class ContextWordsValidator:
    """Refuse a password that is only a context word (or the site's host name) plus digits and
    punctuation, e.g. "Kundenpflege2026!" or "crm-crm-crm"."""

    def _words(self) -> set[str]:
        words = set(CONTEXT_WORDS)
        host = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0]
        words.update(part for part in host.lower().split(".") if len(part) >= 4)
        words.update(w.lower() for w in getattr(settings, "ACCOUNTS_PASSWORD_CONTEXT_WORDS", []))
        return words

    def validate(self, password: str, user: Any = None) -> None:
        letters = "".join(ch for ch in password.lower() if ch.isalpha())
        if not letters:
            return
        for word in self._words():
            if letters == word or (letters.replace(word, "") == "" and word in letters):
                raise ValidationError(
                    _("This password is made of words of this service. Choose another one."),
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return _("Your password cannot consist of the name of this service or words like “crm”.")
