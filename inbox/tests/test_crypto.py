"""Mailbox passwords are encrypted at rest; SECRET_KEY rotation keeps them readable."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from inbox import crypto, services
from inbox.models import Mailbox

OLD = "old-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
NEW = "new-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-9876543210"


def save(user: Any, password: str = "imap-pass") -> Mailbox:
    return services.mailbox_save(
        owner=user,
        data={"host": "imap.example.com", "port": 993, "security": "tls",
              "username": "alice", "folder": "INBOX", "is_active": True},
        password=password,
    )  # fmt: skip


def test_it_never_stores_the_password_in_plain_text(alice: Any, settings: Any) -> None:
    settings.SECRET_KEY = OLD
    mailbox = save(alice, "sehr-geheim-123")
    stored = Mailbox.objects.values_list("password_token", flat=True).get(pk=mailbox.pk)
    assert "sehr-geheim" not in stored
    assert crypto.password_decrypt(stored) == "sehr-geheim-123"


def test_it_reads_passwords_under_a_fallback_key_and_the_command_rotates_them(
    alice: Any, bob: Any, settings: Any
) -> None:
    settings.SECRET_KEY = OLD
    save(alice, "alice-pass")
    save(bob, "bob-pass")
    before = dict(Mailbox.objects.values_list("owner_id", "password_token"))
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert crypto.password_decrypt(before[alice.pk]) == "alice-pass"
    call_command("inbox_rotate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.SECRET_KEY_FALLBACKS = []
    for mailbox in Mailbox.objects.all():
        assert mailbox.password_token != before[mailbox.owner_id]
        assert crypto.password_decrypt(mailbox.password_token) in {"alice-pass", "bob-pass"}


def test_a_password_no_key_can_read_is_reported_not_guessed(alice: Any, settings: Any) -> None:
    settings.SECRET_KEY = OLD
    mailbox = save(alice)
    settings.SECRET_KEY = NEW
    with pytest.raises(crypto.PasswordUnreadable):
        crypto.password_decrypt(mailbox.password_token)
    with pytest.raises(CommandError, match="could not be read"):
        call_command("inbox_rotate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_key_is_derived_for_this_purpose_only(settings: Any) -> None:
    settings.SECRET_KEY = OLD
    token = crypto.password_encrypt("x")
    # Not the Fernet key one would get from the secret itself, and a fresh nonce every time.
    assert token != crypto.password_encrypt("x")
    assert OLD not in token
