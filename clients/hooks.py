"""Extension points of the client page, filled in by the apps above clients.

An app registers a section in its ``AppConfig.ready()``; the client page renders each section's
template with the data its function returns, in order. So the page shows projects, offers and
invoices (or anything a later app adds) without clients importing those apps::

    from clients import hooks

    hooks.client_section_register(
        template="projects/_client_sections.html", data=client_sections_data, order=10
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Client


@dataclass(frozen=True)
class ClientSection:
    """A part of the client page: a template and the function that feeds it."""

    template: str
    data: Callable[[Client], dict[str, Any]]
    order: int


_sections: dict[str, ClientSection] = {}


def client_section_register(
    *, template: str, data: Callable[[Client], dict[str, Any]], order: int = 50
) -> None:
    """Add (or replace) the section rendered by ``template``; safe to call twice."""
    _sections[template] = ClientSection(template=template, data=data, order=order)


def client_sections(client: Client) -> list[dict[str, Any]]:
    """Return ``{"template", "data"}`` for each registered section, in order."""
    ordered = sorted(_sections.values(), key=lambda section: (section.order, section.template))
    return [{"template": s.template, "data": s.data(client)} for s in ordered]
