"""Mailbox passwords encrypted at rest, with a key derived from SECRET_KEY.

The IMAP password must be readable by the worker (it logs in with it), so it is encrypted, not
hashed: Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) under a key
derived from ``SECRET_KEY`` with HKDF-SHA256 and a purpose of its own, so the same secret
never serves as two keys.

Rotating SECRET_KEY: put the old key into ``SECRET_KEY_FALLBACKS`` and the new one into
``SECRET_KEY``. Decryption tries the current key, then each fallback (``MultiFernet``), so every
mailbox keeps working; ``manage.py inbox_rotate_key`` then re-encrypts every stored password
under the current key, after which the old key can leave the fallbacks. A password that no key
can read (SECRET_KEY changed without a fallback) is reported on the settings page; the
freelancer enters it again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"kundenpflege.inbox.mailbox-password.v1"


class PasswordUnreadable(ValueError):
    """No configured key decrypts the stored password."""


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def password_encrypt(password: str) -> str:
    """Return ``password`` encrypted under the current SECRET_KEY."""
    return _keys().encrypt(password.encode()).decode()


def password_decrypt(token: str) -> str:
    """Return the password in ``token``; raise PasswordUnreadable if no key opens it."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise PasswordUnreadable(str(exc)) from exc


def password_rotate(token: str) -> str:
    """Return ``token`` re-encrypted under the current key (it may be under a fallback)."""
    try:
        return _keys().rotate(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise PasswordUnreadable(str(exc)) from exc
