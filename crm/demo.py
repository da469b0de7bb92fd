"""Demo data: the shared context handed to each app's ``demo.seed``.

``manage.py demo_data`` creates (or refreshes) one freelancer, wipes their rows, and calls
``clients.demo.seed``, ``projects.demo.seed``, ``timetracking.demo.seed`` and
``communications.demo.seed`` in that order with
one ``DemoContext``. Each seed uses bulk_create so ``--clients 2000`` stays well under a minute.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

DEMO_APPS = ("clients", "projects", "timetracking", "communications")


@dataclass
class DemoContext:
    """What every app's seed function gets: the user, a seeded RNG, the size, shared rows."""

    user: Any
    rng: random.Random
    clients: int
    today: datetime.date
    now: datetime.datetime
    # Rows created by earlier seeds, for later ones (e.g. "clients": [Client, ...]).
    shared: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, label: str, number: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + number
