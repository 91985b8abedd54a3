"""Submitted values checked against a form: a Camunda Form (form-js JSON, as the Camunda
Modeler writes it) or a JSON Schema. A pure function, shared by the API and the tasklist.

    >>> form = {"components": [{"type": "number", "key": "amount", "validate": {"min": 1}}]}
    >>> validate_form(form, {"amount": 0})
    [FieldProblem(name='amount', reason='must be at least 1')]

Each problem names the field by its path (`customer.name`, `items[0].qty`). What the
Camunda Form checks: required fields, the value's type per component (text, number,
checkbox, select/radio/checklist/taglist among their static options, datetime formats),
`min`/`max`, `minLength`/`maxLength`, `pattern`, the email and phone validation types, a
number's `decimalDigits` and `increment`. Fields hidden by their `conditional.hide` FEEL
expression, disabled and read-only fields are not checked, as form-js does not submit them.
A required field the submission leaves out is satisfied by a value the instance already
holds (`existing`), since Tasklist pre-fills forms from the variables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema

from regista import feel

__all__ = ["FieldProblem", "FormError", "is_camunda_form", "validate_form"]

_MISSING = object()
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_PHONE = re.compile(r"^(\+|00)[1-9][0-9]{6,14}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_OPTIONS = ("select", "radio", "checklist", "taglist")
_TEXT = ("textfield", "textarea", "password")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field refused: its path and a sentence saying why."""

    name: str
    reason: str


class FormError(ValueError):
    """The form itself is broken (not JSON of a form, a schema that is not valid)."""


def is_camunda_form(schema: Mapping[str, Any]) -> bool:
    """Whether `schema` is a Camunda Form (form-js) rather than a JSON Schema."""
    return isinstance(schema.get("components"), list)


def validate_form(
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    existing: Mapping[str, Any] | None = None,
) -> list[FieldProblem]:
    """Every problem of `values` against the form `schema` (empty when they fit)."""
    if is_camunda_form(schema):
        merged = {**(existing or {}), **values}
        checker = _CamundaForm(values, merged)
        checker.components(schema["components"], (), values, merged)
        return checker.problems
    return _json_schema(schema, values)


def _json_schema(schema: Mapping[str, Any], values: Mapping[str, Any]) -> list[FieldProblem]:
    try:
        cls = jsonschema.validators.validator_for(dict(schema))
        cls.check_schema(dict(schema))
    except jsonschema.SchemaError as exc:
        raise FormError(f"the JSON Schema of the form is not valid: {exc.message}") from exc
    validator = cls(dict(schema), format_checker=cls.FORMAT_CHECKER)
    problems = []
    for error in sorted(validator.iter_errors(dict(values)), key=lambda e: list(e.path)):
        path = [*error.path]
        if error.validator == "required" and isinstance(error.instance, dict):
            wanted = error.validator_value if isinstance(error.validator_value, list) else []
            missing = [n for n in wanted if n not in error.instance]
            for name in missing:
                problems.append(FieldProblem(_path([*path, name]), "is required"))
            continue
        problems.append(FieldProblem(_path(path) or "(the values)", error.message))
    return problems


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _empty(value: Any) -> bool:
    return value is _MISSING or value is None or value == "" or value == []


class _CamundaForm:
    def __init__(self, submitted: Mapping[str, Any], merged: Mapping[str, Any]) -> None:
        self.problems: list[FieldProblem] = []
        self.context = merged

    def components(
        self,
        components: Sequence[Any],
        prefix: tuple[str, ...],
        submitted: Any,
        merged: Any,
    ) -> None:
        for component in components:
            if not isinstance(component, Mapping) or self.hidden(component):
                continue
            kind = component.get("type")
            if kind in ("group", "dynamiclist") or "components" in component:
                self.container(component, prefix, submitted, merged)
            elif isinstance(component.get("key"), str) and component["key"]:
                if component.get("disabled") is True or component.get("readonly") is True:
                    continue
                key = component["key"]
                name = ".".join([*prefix, key])
                for reason in self.field(component, _get(submitted, key), _get(merged, key)):
                    self.problems.append(FieldProblem(name, reason))

    def container(
        self, component: Mapping[str, Any], prefix: tuple[str, ...], submitted: Any, merged: Any
    ) -> None:
        path = component.get("path")
        children = component.get("components") or []
        if not isinstance(path, str) or not path:
            self.components(children, prefix, submitted, merged)
            return
        inner_submitted, inner_merged = _get(submitted, path), _get(merged, path)
        if component.get("type") != "dynamiclist":
            self.components(children, (*prefix, path), inner_submitted, inner_merged)
            return
        if inner_submitted is _MISSING:
            return
        name = ".".join([*prefix, path])
        if not isinstance(inner_submitted, list):
            self.problems.append(FieldProblem(name, "must be a list"))
            return
        for n, item in enumerate(inner_submitted):
            self.components(children, (f"{name}[{n}]",), item, item)

    def hidden(self, component: Mapping[str, Any]) -> bool:
        condition = component.get("conditional")
        hide = condition.get("hide") if isinstance(condition, Mapping) else None
        if not isinstance(hide, str) or not hide.strip():
            return False
        text = hide.strip()[1:] if hide.strip().startswith("=") else hide
        try:
            return feel.evaluate(text, dict(self.context)) is True
        except feel.FeelSyntaxError:
            return False

    def field(self, c: Mapping[str, Any], value: Any, known: Any) -> Iterator[str]:
        rules = c.get("validate") if isinstance(c.get("validate"), Mapping) else {}
        assert isinstance(rules, Mapping)
        if _empty(value):
            if rules.get("required") is True and _empty(known):
                yield "is required"
            return
        kind = c.get("type")
        if kind in _TEXT:
            yield from _text(value, rules)
        elif kind == "number":
            yield from _number(c, value, rules)
        elif kind == "checkbox":
            if not isinstance(value, bool):
                yield "must be true or false"
        elif kind in _OPTIONS:
            yield from _options(c, value)
        elif kind == "datetime":
            yield from _datetime(c, value)


def _text(value: Any, rules: Mapping[str, Any]) -> Iterator[str]:
    if not isinstance(value, str):
        yield "must be text"
        return
    low, high = rules.get("minLength"), rules.get("maxLength")
    if isinstance(low, int) and len(value) < low:
        yield f"must have at least {low} characters"
    if isinstance(high, int) and len(value) > high:
        yield f"must have at most {high} characters"
    pattern = rules.get("pattern")
    if isinstance(pattern, str) and pattern:
        try:
            if re.search(pattern, value) is None:
                yield f"must match the pattern {pattern}"
        except re.error:
            pass  # a pattern Python cannot read is the form's fault, not the user's
    kind = rules.get("validationType")
    if kind == "email" and not _EMAIL.match(value):
        yield "must be a valid email address"
    if kind == "phone" and not _PHONE.match(value.replace(" ", "")):
        yield "must be a valid international phone number (e.g. +4930664040900)"


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _number(c: Mapping[str, Any], value: Any, rules: Mapping[str, Any]) -> Iterator[str]:
    as_text = c.get("serializeToString") is True and isinstance(value, str)
    if isinstance(value, bool) or not (isinstance(value, int | float) or as_text):
        yield "must be a number"
        return
    number = _decimal(value)
    if number is None:
        yield "must be a number"
        return
    low, high = _decimal(rules.get("min")), _decimal(rules.get("max"))
    if rules.get("min") is not None and low is not None and number < low:
        yield f"must be at least {rules['min']}"
    if rules.get("max") is not None and high is not None and number > high:
        yield f"must be at most {rules['max']}"
    digits = c.get("decimalDigits")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(digits, int) and isinstance(exponent, int) and -exponent > digits:
        yield f"must have at most {digits} decimal digits"
    step = _decimal(c.get("increment")) if c.get("increment") not in (None, "") else None
    if step is not None and step > 0 and ((number - (low or 0)) % step) != 0:
        yield f"must be a multiple of {c['increment']}" + (f" from {rules['min']}" if low else "")


def _options(c: Mapping[str, Any], value: Any) -> Iterator[str]:
    many = c.get("type") in ("checklist", "taglist")
    if many and not isinstance(value, list):
        yield "must be a list of the options"
        return
    options = c.get("values")
    if not isinstance(options, list):
        return  # options from a variable or an expression: known only to the form
    allowed = [o.get("value") for o in options if isinstance(o, Mapping)]
    for item in value if many else [value]:
        if item not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            yield f"{item!r} is not one of the options ({shown})"


def _datetime(c: Mapping[str, Any], value: Any) -> Iterator[str]:
    subtype = c.get("subtype") or "date"
    if not isinstance(value, str):
        yield "must be text holding a date or time"
        return
    date_part, time_part = value, None
    if subtype == "datetime":
        date_part, sep, time_part = value.partition("T")
        if not sep:
            yield "must be a date and time such as 2030-01-31T14:30"
            return
    elif subtype == "time":
        date_part, time_part = "", value
    if subtype != "time" and not _valid_date(date_part):
        yield "must be a date such as 2030-01-31"
    elif time_part is not None and not _valid_time(time_part):
        yield "must be a time such as 14:30 (with an optional offset, e.g. 14:30+01:00)"


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _valid_time(text: str) -> bool:
    if not _TIME.match(text):
        return False
    try:
        dt.time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
