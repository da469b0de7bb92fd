"""Seed a private database for a fault test and print what the test needs, as JSON.

Run in a subprocess with ``DATABASE_URL`` pointing at the private cluster (the test process's
own Django connection belongs to the test database)::

    python -m tests.faults.seed --messages 40 --start-in 2 --spread 10

Creates the freelancer ``alice`` with a few clients and ``--messages`` scheduled messages due
from ``--start-in`` seconds on, spread over ``--spread`` seconds; prints the session cookie of
a logged-in browser and the client ids.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--start-in", type=float, default=0.0)
    parser.add_argument("--spread", type=float, default=0.0)
    options = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from clients.models import Client as Customer
    from conftest import make_user
    from tests.faults.outbox import outbox_fill

    alice = make_user("alice")
    ids = outbox_fill(
        user=alice,
        messages=options.messages,
        first_at=timezone.now() + datetime.timedelta(seconds=options.start_in),
        spread=datetime.timedelta(seconds=options.spread),
    )
    browser = Client()
    browser.force_login(alice)
    json.dump(
        {
            "cookies": {
                settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value
            },
            "client_ids": list(Customer.objects.filter(owner=alice).values_list("pk", flat=True)),
            "message_ids": ids,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
