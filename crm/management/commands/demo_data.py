"""Create or refresh a demo freelancer with realistic data across every model."""

import random
import time
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from crm.demo import DemoContext, demo_modules
from crm.models import Profile, User


class Command(BaseCommand):
    help = "Create (or refresh) freelancer NAME with realistic demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username of the demo freelancer")
        parser.add_argument("--password", default=None, help="password (default: NAME-pass-2026)")
        parser.add_argument("--clients", type=int, default=24, help="number of clients (1-50000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--language", choices=["de", "en"], default="de")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["user"].strip()
        if not username or len(username) > 150:
            raise CommandError("--user must be 1 to 150 characters.")
        if not 1 <= options["clients"] <= 50_000:
            raise CommandError("--clients must be between 1 and 50000.")
        password = options["password"] or f"{username}-pass-2026"
        started = time.monotonic()
        with transaction.atomic():
            user = demo_user_refresh(
                username=username, password=password, language=options["language"]
            )
            context = DemoContext(
                user=user,
                rng=random.Random(options["seed"]),
                clients=options["clients"],
                today=timezone.localdate(),
                now=timezone.now(),
            )
            for module in demo_modules():
                module.seed(context)
        summary = ", ".join(f"{number} {label}" for label, number in context.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data for '{username}' ready in {time.monotonic() - started:.1f} s: "
                f"{summary}."
            )
        )
        self.stdout.write(f"Log in as {username} / {password}")


def demo_user_refresh(*, username: str, password: str, language: str) -> User:
    """Create the demo user, or wipe the existing one's data; set password and profile."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@demo.example", first_name="Mara")
    user.set_password(password)
    user.save()
    # The demo address is taken as confirmed, so the demo can send its (console) mail at once.
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    for module in reversed(demo_modules()):
        module.wipe(user)
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "display_name": "Mara Lindner",
            "business_name": "Lindner Webdesign & Text",
            "street": "Oranienstraße 12",
            "postal_code": "10999",
            "city": "Berlin",
            "country": "DE",
            "reply_to_email": f"{username}@demo.example",
            "phone": "+49 30 1234567",
            "website": "https://lindner.example",
            "tax_number": "27/123/45678",
            "vat_id": "DE299999999",
            "bank_name": "GLS Bank",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
            "is_small_business": False,
            "default_currency": "EUR",
            "time_zone": "Europe/Berlin",
            "language": language,
        },
    )
    return user
