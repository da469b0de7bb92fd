"""manage.py invite [email]: print a one-time sign-up link (works while sign-up is closed)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from accounts.models import Invitation


class Command(BaseCommand):
    help = "Create a one-time sign-up link; print it (the token is stored only as a hash)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", nargs="?", default="")

    def handle(self, *args: Any, email: str = "", **options: Any) -> None:
        invitation, token = Invitation.issue(email=email)
        path = reverse("accounts:invitation", args=[token])
        self.stdout.write(f"{settings.SITE_URL.rstrip('/')}{path}")
        self.stdout.write(f"valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC")
