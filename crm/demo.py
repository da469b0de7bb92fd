"""Demo data: the shared context handed to each app's ``demo.seed``.

``manage.py demo_data`` creates (or refreshes) one freelancer, wipes their rows (apps in reverse
order), and calls every app's ``demo.seed`` in the order of INSTALLED_APPS (the app order, so
clients come before the projects that need them) with one ``DemoContext``. An app takes part by
having a ``demo`` module with ``seed(context)`` and ``wipe(user)``: crm names no app. Each seed
uses bulk_create so ``--clients 2000`` stays well under a minute.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def demo_modules() -> list[ModuleType]:
    """Return the installed apps' ``demo`` modules that seed data, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if hasattr(module, "seed"):  # crm.demo itself only holds the shared context
                modules.append(module)
    return modules


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
