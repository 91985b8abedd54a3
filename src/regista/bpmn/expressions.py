"""Reading and writing the expressions of a BPMN file.

Two kinds exist. A *value* (a task type, an assignee, a timer, an io mapping source) is a
constant unless marked: `=expr` is FEEL (Camunda 8) and `${expr}` JUEL (Camunda 7). A
*formal expression* (a condition, a loop cardinality) is always evaluated: marked the same
way, or named by the `language` attribute, else written in the default language chosen by
the deployer (FEEL unless told otherwise).
"""

from __future__ import annotations

from regista.bpmn.namespaces import FEEL_URIS
from regista.feel.juel import JuelError, is_juel, translate
from regista.model.bpmn import Expression

__all__ = [
    "JuelError",
    "format_formal",
    "format_value",
    "read_formal",
    "read_juel",
    "read_value",
]

_JUEL_LANGUAGES = {"juel", "http://java.sun.com/products/jsp/", "${}"}


def read_juel(text: str) -> Expression:
    """JUEL text translated to a FEEL expression; raises `JuelError` when it cannot be."""
    return Expression(translate(text), "feel")


def read_value(text: str) -> Expression:
    """A value attribute: FEEL when it starts with `=`, translated JUEL, else a literal."""
    stripped = text.strip()
    if stripped.startswith("="):
        return Expression(stripped[1:].strip(), "feel")
    if is_juel(text):
        return read_juel(text)
    return Expression(text, "literal")


def read_formal(text: str, language: str | None, default: str = "feel") -> Expression:
    """A formal expression's text with its optional `language` attribute."""
    stripped = text.strip()
    lang = (language or "").strip()
    lowered = lang.lower()
    if not lang:
        if stripped.startswith("="):
            return Expression(stripped[1:].strip(), "feel")
        if is_juel(stripped):
            return read_juel(stripped)
        return Expression(stripped, default)
    if lang in FEEL_URIS or "feel" in lowered:
        body = stripped[1:].strip() if stripped.startswith("=") else stripped
        return Expression(body, "feel")
    if lowered in _JUEL_LANGUAGES:
        return read_juel(stripped if is_juel(stripped) else "${" + stripped + "}")
    if lowered == "python":
        return Expression(stripped, "python")
    return Expression(stripped, lowered)


def format_value(expression: Expression) -> str:
    """The attribute text that `read_value` reads back as `expression`."""
    if expression.language == "feel":
        return "=" + expression.text
    return expression.text


def format_formal(expression: Expression) -> tuple[str, str | None]:
    """The element text and `language` attribute `read_formal` reads back as `expression`."""
    if expression.language == "feel":
        return "=" + expression.text, None
    if expression.language in ("juel", "literal"):
        return expression.text, None
    return expression.text, expression.language
