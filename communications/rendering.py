"""Render a message of one kind for one client: subject, text and HTML.

The wording comes from the freelancer's override (``MessageTemplate``) if there is one, else from
the shipped file ``templates/emails/<kind>/<language>_<form>.subject.txt|.txt``. Both go through
the sandbox engine with the plain context from ``communications.context``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from .models import MessageTemplate
from .sandbox import TemplateLimitExceeded, template_render

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "emails"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@functools.cache
def default_source(kind: str, language: str, form: str) -> tuple[str, str]:
    """Return the shipped (subject, body) template sources for a kind, language and form."""
    folder = EMAIL_TEMPLATES / kind
    subject = (folder / f"{language}_{form}.subject.txt").read_text(encoding="utf-8")
    body = (folder / f"{language}_{form}.txt").read_text(encoding="utf-8")
    return subject.strip(), body


def template_source(*, owner_id: int, kind: str, language: str, form: str) -> tuple[str, str]:
    """Return the freelancer's override for this kind/language/form, else the shipped default."""
    override = (
        MessageTemplate.objects.filter(owner_id=owner_id, kind=kind, language=language, form=form)
        .values_list("subject", "body")
        .first()
    )
    return override or default_source(kind, language, form)


def html_from_text(text: str, *, subject: str, language: str) -> str:
    """Return the HTML alternative of a plain-text body (escaped, paragraphs kept)."""
    paragraphs = [part.strip("\n") for part in text.split("\n\n") if part.strip()]
    return render_to_string(
        "emails/_layout.html",
        {"paragraphs": paragraphs, "subject": subject, "language": language},
    )


def text_tidy(text: str) -> str:
    """Collapse the blank lines template tags leave behind (at most one empty line in a row)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def render_sources(subject_source: str, body_source: str, context: dict[str, Any]) -> Rendered:
    """Render subject and body sources in the sandbox; the subject becomes one line."""
    subject = " ".join(template_render(subject_source, context).split())[:300]
    text = text_tidy(template_render(body_source, context))
    html = html_from_text(text, subject=subject, language=context["tone"]["language"])
    return Rendered(subject=subject, text=text, html=html)


def message_render(
    *,
    owner_id: int,
    kind: str,
    language: str,
    form: str,
    context: dict[str, Any],
    sources: dict[tuple[str, str, str], tuple[str, str]] | None = None,
) -> Rendered:
    """Render ``kind`` for a client's language and form; ``sources`` may pre-load overrides."""
    key = (kind, language, form)
    if sources is not None and key in sources:
        subject_source, body_source = sources[key]
    else:
        subject_source, body_source = template_source(
            owner_id=owner_id, kind=kind, language=language, form=form
        )
    try:
        return render_sources(subject_source, body_source, context)
    except TemplateLimitExceeded as exc:
        # A saved override that outgrows its limits with this client's data must not stall
        # the planner's batch: the shipped wording goes out instead (the preview shows why).
        if (subject_source, body_source) == default_source(kind, language, form):
            raise
        logger.warning("Template %s of owner %s refused (%s): default used", key, owner_id, exc)
        return render_sources(*default_source(kind, language, form), context)


def overrides_for(owner_ids: set[int]) -> dict[int, dict[tuple[str, str, str], tuple[str, str]]]:
    """Return every override of these freelancers in one query, for planners rendering in bulk."""
    result: dict[int, dict[tuple[str, str, str], tuple[str, str]]] = {}
    rows = MessageTemplate.objects.filter(owner_id__in=owner_ids).values_list(
        "owner_id", "kind", "language", "form", "subject", "body"
    )
    for owner_id, kind, language, form, subject, body in rows:
        result.setdefault(owner_id, {})[(kind, language, form)] = (subject, body)
    return result


def sources_for(owner_id: int, overrides: dict[int, Any]) -> dict[tuple[str, str, str], Any]:
    """Return an owner's override sources with the shipped defaults filling the gaps."""
    own = overrides.get(owner_id, {})
    return _DefaultingSources(own)


class _DefaultingSources(dict):
    def __missing__(self, key: tuple[str, str, str]) -> tuple[str, str]:
        return default_source(*key)

    def __contains__(self, key: object) -> bool:
        return True
