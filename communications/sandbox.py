"""A restricted template engine for message templates (shipped defaults and freelancer overrides).

Message templates are data a freelancer can edit in the browser, so they are rendered by a
separate ``django.template.Engine`` that knows only a handful of harmless tags and filters (no
``load``, ``include``, ``extends``, ``url``, ``debug``...) and sees only plain dicts, lists and
strings built by ``communications.context``: there is no model instance, settings object or
request to walk to. Before a template is saved, ``template_check`` compiles it and checks every
variable against ``SCHEMA``; a syntax error or an unknown variable is refused with its line.
"""

from __future__ import annotations

import contextvars
import functools
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Library, Node, NodeList, TemplateSyntaxError
from django.template import defaultfilters as df
from django.template import defaulttags as dt
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral, WithNode
from django.utils.translation import gettext as _

register = Library()
for _tag in ("if", "for", "with", "firstof", "comment", "spaceless", "cycle"):
    register.tag(
        _tag, getattr(dt, {"if": "do_if", "for": "do_for", "with": "do_with"}.get(_tag, _tag))
    )
for _filter in (
    "capfirst",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "pluralize",
    "title",
    "upper",
    "wordwrap",
    "yesno",
    "linebreaksbr",
    "truncatewords",
):
    register.filter(_filter, getattr(df, _filter))


class SandboxEngine(Engine):
    """An engine whose only built-ins are the tags and filters registered above."""

    default_builtins: list[str] = []  # noqa: RUF012 (overrides Django's class attribute)


_ENGINE: SandboxEngine | None = None


def engine() -> SandboxEngine:
    """Return the one sandbox engine (built lazily, never reads settings)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = SandboxEngine(
            dirs=[],
            app_dirs=False,
            debug=True,  # keeps line numbers on syntax errors
            autoescape=False,  # plain-text mail; the HTML part escapes the rendered text
            builtins=["communications.sandbox"],
            libraries={},
            loaders=[],
            string_if_invalid="",
        )
    return _ENGINE


# What templates may use: a dict is a mapping of allowed keys, a list describes its items, None
# is a leaf (a string, number or date). Keep docs/communications.md in step with this.
_MILESTONE = {
    "title": None,
    "due_on": None,
    "expected_on": None,
    "done_on": None,
    "delay_reason": None,
    "previous_expected_on": None,
    "state": None,
    "is_done": None,
}
_INVOICE = {
    "number": None,
    "issued_on": None,
    "due_on": None,
    "total": None,
    "amount_paid": None,
    "amount_due": None,
    "is_partly_paid": None,
    "days_overdue": None,
    "project": None,
}
_OFFER = {"number": None, "version": None, "valid_until": None, "total": None}
_CHANGE_REQUEST = {
    "title": None,
    "description": None,
    "price": None,
    "deadline_impact_days": None,
    "alternative": None,
}
SCHEMA: dict[str, Any] = {
    "client": {"name": None, "salutation": None, "email": None, "language": None, "form": None},
    "tone": {
        "language": None,
        "form": None,
        "is_formal": None,
        "salutation": None,
        "greeting": None,
        "closing": None,
        "label": None,
        "you": None,
        "you_dative": None,
        "your": None,
        "your_f": None,
        "your_dative": None,
        "yours": None,
    },
    "freelancer": {
        "name": None,
        "business_name": None,
        "email": None,
        "phone": None,
        "website": None,
        "bank_name": None,
        "iban": None,
        "bic": None,
        "address": [None],
        "signature": None,
    },
    "project": {
        "title": None,
        "deadline_on": None,
        "ended_on": None,
        "status": None,
        "portal_url": None,
    },
    "milestones": [_MILESTONE],
    "done_milestones": [_MILESTONE],
    "next_milestones": [_MILESTONE],
    "needed_from_client": [None],
    "has_news": None,
    "milestone": _MILESTONE,
    "invoice": _INVOICE,
    "invoices": [_INVOICE],
    "total_due": None,
    "level": None,
    "reminders_sent": [None],
    "pay_by": None,
    "offer": _OFFER,
    "change_request": _CHANGE_REQUEST,
    "body": None,
    "today": None,
    # Status updates: the first one is worded as the first; news since the last one.
    "is_first_update": None,
    "news": {
        "milestones_moved": [_MILESTONE],
        "milestones_back": [_MILESTONE],
        "changes_accepted": [_CHANGE_REQUEST],
        "changes_declined": [_CHANGE_REQUEST],
        "revisions_used": None,
        "revisions_agreed": None,
        "revisions_new": None,
        "offers_sent": [_OFFER],
        "offers_accepted": [_OFFER],
        "invoices_issued": [_INVOICE],
        "invoices_paid": [_INVOICE],
    },
    "at_risk_milestones": [_MILESTONE],
    "wrap_up": {
        "delivered": [None],
        "changes": [None],
        "all_on_time": None,
        "late_count": None,
        "revisions_used": None,
        "revisions_agreed": None,
    },
}
_FORLOOP = {
    "counter": None,
    "counter0": None,
    "revcounter": None,
    "revcounter0": None,
    "first": None,
    "last": None,
}


@dataclass
class TemplateProblem(Exception):
    """A message template that cannot be used, and where."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


def _check_path(lookups: tuple[str, ...], scope: dict[str, Any], line: int | None) -> Any:
    name = lookups[0]
    if name not in scope:
        raise TemplateProblem(f"Unknown variable “{name}”.", line)
    node = scope[name]
    walked = name
    for part in lookups[1:]:
        walked += f".{part}"
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit():
            node = node[0]
        else:
            raise TemplateProblem(f"Unknown variable “{walked}”.", line)
    return node


def _check_expression(expr: Any, scope: dict[str, Any], line: int | None) -> Any:
    """Check a FilterExpression / Variable; return the schema node it resolves to."""
    if isinstance(expr, FilterExpression):
        for _func, args in expr.filters:
            for _lookup, arg in args:
                _check_expression(arg, scope, line)
        return _check_expression(expr.var, scope, line)
    if isinstance(expr, Variable) and expr.lookups is not None:
        return _check_path(tuple(expr.lookups), scope, line)
    return None


def _expressions_in(value: Any) -> list[Any]:
    """Return every FilterExpression inside a node attribute, at any depth.

    If-conditions nest operators (``a and not (b or c) ...``) as deep as the author likes; the
    walk uses an explicit stack, so no depth goes unchecked and no nesting exhausts the
    recursion limit.
    """
    found: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, FilterExpression):
            found.append(item)
        elif isinstance(item, TemplateLiteral):
            found.append(item.value)
        elif isinstance(item, list | tuple):
            stack.extend(part for part in item if not isinstance(part, Node | NodeList))
        elif hasattr(item, "first") and hasattr(item, "id"):  # smartif operator
            stack.append(getattr(item, "first", None))
            stack.append(getattr(item, "second", None))
    return found


def _loop_sequence(node: ForNode, scope: dict[str, Any], line: int | None) -> Any:
    """Return the schema list a loop walks; refuse a loop over anything else.

    A string is a sequence too: ``{% for c in client.name %}`` nested a few times multiplies a
    200-character name into billions of iterations. Filters are refused on the sequence
    because they can turn a list into a string (``milestones|join:","``).
    """
    sequence = node.sequence
    item = _check_expression(sequence, scope, line)
    if not isinstance(item, list) or (isinstance(sequence, FilterExpression) and sequence.filters):
        raise TemplateProblem(
            _("{%% for %%} may only walk a list such as milestones or invoices, not “%(what)s”.")
            % {"what": sequence.token if isinstance(sequence, FilterExpression) else sequence},
            line,
        )
    return item


def _check_nodelist(nodelist: NodeList, scope: dict[str, Any], loops: int = 0) -> None:
    for node in nodelist:
        line = node.token.lineno if getattr(node, "token", None) else None
        if isinstance(node, ForNode):
            limit = settings.COMMS_TEMPLATE_MAX_LOOP_NESTING
            if loops + 1 > limit:
                raise TemplateProblem(
                    _("Loops may be nested at most %(limit)d deep.") % {"limit": limit}, line
                )
            item = _loop_sequence(node, scope, line)
            inner = {**scope, "forloop": _FORLOOP}
            if len(node.loopvars) == 1:
                inner[node.loopvars[0]] = item[0]
            else:
                inner.update(dict.fromkeys(node.loopvars))
            _check_nodelist(node.nodelist_loop, inner, loops + 1)
            _check_nodelist(node.nodelist_empty, scope, loops)
            continue
        if isinstance(node, WithNode):
            inner = dict(scope)
            for name, expr in node.extra_context.items():
                inner[name] = _check_expression(expr, scope, line)
            _check_nodelist(node.nodelist, inner, loops)
            continue
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression, scope, line)
            continue
        if isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                for expr in _expressions_in(condition):
                    _check_expression(expr, scope, line)
                _check_nodelist(branch, scope, loops)
            continue
        for attr, value in vars(node).items():
            if attr in node.child_nodelists or attr in {"token", "origin"}:
                continue
            for expr in _expressions_in(value):
                _check_expression(expr, scope, line)
        for attr in node.child_nodelists:
            child = getattr(node, attr, None)
            if child:
                _check_nodelist(child, scope, loops)


def template_compile(source: str) -> Any:
    """Return the compiled template, or raise TemplateProblem with the line of the error."""
    try:
        return engine().from_string(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        raise TemplateProblem(str(exc.args[0] if exc.args else exc), debug.get("line")) from exc
    except RecursionError as exc:  # Django's if-parser recurses once per operator
        raise TemplateProblem(_("The template nests too deeply to be read.")) from exc


def template_check(source: str) -> None:
    """Raise TemplateProblem if ``source`` does not compile or uses an unknown variable.

    Also refused: a loop over anything but a list of the schema, and loops nested deeper than
    ``COMMS_TEMPLATE_MAX_LOOP_NESTING``.
    """
    compiled = template_compile(source)
    _check_nodelist(compiled.nodelist, SCHEMA)


class TemplateLimitExceeded(TemplateProblem):
    """Rendering a template ran past its time budget or its output size cap."""


@dataclass
class _Budget:
    deadline: float
    seconds: float
    max_chars: int
    chars: int = 0

    def spend(self, chars: int) -> None:
        self.chars += chars
        if self.chars > self.max_chars:
            raise TemplateLimitExceeded(
                _(
                    "The rendered text would be longer than the limit of %(limit)s characters "
                    "(COMMS_TEMPLATE_MAX_OUTPUT); shorten the loops."
                )
                % {"limit": f"{self.max_chars:,}"}
            )
        if time.monotonic() > self.deadline:
            raise TemplateLimitExceeded(
                _(
                    "Rendering took longer than the limit of %(seconds)s seconds "
                    "(COMMS_TEMPLATE_RENDER_SECONDS); shorten the loops."
                )
                % {"seconds": f"{self.seconds:g}"}
            )


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "sandbox_budget", default=None
)


class _MeteredNode(Node):
    """A leaf node (text, variable, cycle ...) that charges its output and time to the budget.

    All output of a sandbox template comes from leaf nodes (the other tags only choose, repeat
    or trim it), so metering them bounds the whole render, however loops and conditions nest.
    """

    child_nodelists = ()

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.token = getattr(inner, "token", None)
        self.origin = getattr(inner, "origin", None)

    def render(self, context: Context) -> str:
        output = self.inner.render_annotated(context)
        budget = _budget.get()
        if budget is not None:
            budget.spend(len(output))
        return output


def _meter(nodelist: NodeList) -> None:
    for index, node in enumerate(nodelist):
        if isinstance(node, IfNode):
            for _condition, branch in node.conditions_nodelists:
                _meter(branch)
            continue
        children = [getattr(node, attr, None) for attr in node.child_nodelists]
        if isinstance(node, TextNode | VariableNode) or not any(children):
            nodelist[index] = _MeteredNode(node)  # text, variables, cycle, firstof ...
            continue
        for child in children:
            if child:
                _meter(child)


@functools.lru_cache(maxsize=256)
def _metered(source: str) -> Any:
    """Return ``source`` compiled and metered, once per source (the budget is read at render
    time from a context variable, so one compiled template serves every render). Compiling
    cost about 6 ms per status update, more than half of a planner run."""
    compiled = template_compile(source)
    _meter(compiled.nodelist)
    return compiled


def template_render(source: str, context: dict[str, Any]) -> str:
    """Render ``source`` in the sandbox with a plain-values ``context``.

    Raise TemplateLimitExceeded when the render runs past ``COMMS_TEMPLATE_RENDER_SECONDS`` or
    its output past ``COMMS_TEMPLATE_MAX_OUTPUT`` characters; the message names the limit.
    """
    compiled = _metered(source)
    seconds = float(settings.COMMS_TEMPLATE_RENDER_SECONDS)
    budget = _Budget(
        deadline=time.monotonic() + seconds,
        seconds=seconds,
        max_chars=int(settings.COMMS_TEMPLATE_MAX_OUTPUT),
    )
    token = _budget.set(budget)
    try:
        return compiled.render(Context(context, autoescape=False))
    finally:
        _budget.reset(token)
