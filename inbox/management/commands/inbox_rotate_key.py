"""Re-encrypt every stored mailbox password under the current SECRET_KEY (see inbox/crypto.py).

After moving the old key into SECRET_KEY_FALLBACKS and setting the new SECRET_KEY, run this
once; then the old key may leave SECRET_KEY_FALLBACKS. Safe to run twice.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inbox.crypto import PasswordUnreadable, password_rotate
from inbox.models import Mailbox


class Command(BaseCommand):
    help = "Re-encrypt every mailbox password under the current SECRET_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, unreadable = 0, []
        for mailbox in Mailbox.objects.exclude(password_token="").only("pk", "password_token"):
            try:
                token = password_rotate(mailbox.password_token)
            except PasswordUnreadable:
                unreadable.append(mailbox.pk)
                continue
            # Only if nobody saved a new password meanwhile.
            rotated += Mailbox.objects.filter(
                pk=mailbox.pk, password_token=mailbox.password_token
            ).update(password_token=token)
        self.stdout.write(f"Re-encrypted {rotated} mailbox password(s) under the current key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} password(s) could not be read with SECRET_KEY or "
                f"SECRET_KEY_FALLBACKS (mailboxes {', '.join(map(str, unreadable))}); their "
                "owners must enter them again on the mailbox page."
            )
