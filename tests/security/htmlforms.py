"""Read the forms of a rendered page: action, method and the values a browser would submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"text", "email", "url", "tel", "search", "number", "date", "datetime-local", "time"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """Return what a browser would submit unchanged (checked boxes, selected options)."""
        values: dict[str, list[str]] = {}
        for item in self.fields:
            if item.kind in {"submit", "button", "file", "reset", "image"}:
                continue
            values.setdefault(item.name, []).append(item.value)
        return values

    def text_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.kind in TEXT_TYPES or f.kind == "textarea"]

    def file_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.kind == "file"]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = PageForm(
                action=a.get("action") or a.get("data-hx-post") or a.get("hx-post") or "",
                method="post"
                if a.get("data-hx-post") or a.get("hx-post")
                else a.get("method", "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            value = a.get("value", "on" if kind in {"checkbox", "radio"} else "")
            self._form.fields.append(Field(a["name"], kind, value))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "")
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option_value is None and self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
            if self._form and self._form.fields and self._form.fields[-1].kind == "textarea":
                self._form.fields[-1].value = self._form.fields[-1].value.removeprefix("\n")
        elif tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text
            self._select.options.append(value)
            if self._option_selected:
                self._select.value = value
                self._option_selected = False
            self._option_value = None
        elif tag == "select" and self._select is not None:
            if not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            if self._form is not None:
                self._form.fields.append(self._select)
            self._select = None


def page_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, action: str, page_url: str) -> PageForm:
    """Return the POST form of ``html`` that submits to ``action``."""
    forms = [f for f in page_forms(html) if f.method == "post"]
    for form in forms:
        target = form.action or page_url
        if target.split("?")[0] == action:
            return form
    raise AssertionError(
        f"no POST form to {action} on {page_url}; found {[f.action for f in forms]}"
    )
