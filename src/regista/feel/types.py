"""The FEEL type system: types as values, `instance of`, conformance and type-name parsing.

Used by `instance of`, by function parameters with declared types, and by DMN item
definitions (a decision's result is checked against its declared type).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regista.feel.values import FeelFunction, Range, kind


class FeelType:
    """Base of all FEEL types."""

    def is_instance(self, value: Any) -> bool:
        raise NotImplementedError

    def conforms_to(self, other: FeelType) -> bool:
        """Whether every value of this type is a value of `other` (type conformance)."""
        if isinstance(other, AnyType):
            return True
        return self == other


@dataclass(frozen=True)
class AnyType(FeelType):
    def is_instance(self, value: Any) -> bool:
        return True

    def __str__(self) -> str:
        return "Any"


@dataclass(frozen=True)
class NullType(FeelType):
    def is_instance(self, value: Any) -> bool:
        return value is None

    def conforms_to(self, other: FeelType) -> bool:
        return True

    def __str__(self) -> str:
        return "Null"


@dataclass(frozen=True)
class SimpleType(FeelType):
    """A built-in scalar type named as FEEL names it, e.g. `number`, `date and time`."""

    name: str

    def is_instance(self, value: Any) -> bool:
        return kind(value) == self.name

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListType(FeelType):
    element: FeelType

    def is_instance(self, value: Any) -> bool:
        return isinstance(value, list) and all(
            v is None or self.element.is_instance(v) for v in value
        )

    def conforms_to(self, other: FeelType) -> bool:
        if isinstance(other, AnyType):
            return True
        return isinstance(other, ListType) and self.element.conforms_to(other.element)

    def __str__(self) -> str:
        return f"list<{self.element}>"


@dataclass(frozen=True)
class RangeType(FeelType):
    element: FeelType

    def is_instance(self, value: Any) -> bool:
        if not isinstance(value, Range):
            return False
        return all(e is None or self.element.is_instance(e) for e in (value.start, value.end))

    def conforms_to(self, other: FeelType) -> bool:
        if isinstance(other, AnyType):
            return True
        return isinstance(other, RangeType) and self.element.conforms_to(other.element)

    def __str__(self) -> str:
        return f"range<{self.element}>"


@dataclass(frozen=True)
class ContextType(FeelType):
    """A context type; a context value is an instance when it has at least these entries,
    each of the declared type or null (as list items may be null)."""

    entries: tuple[tuple[str, FeelType], ...] = field(default_factory=tuple)

    def is_instance(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for name, t in self.entries:
            if name not in value:
                return False
            entry = value[name]
            if entry is not None and not t.is_instance(entry):
                return False
        return True

    def conforms_to(self, other: FeelType) -> bool:
        if isinstance(other, AnyType):
            return True
        if not isinstance(other, ContextType):
            return False
        mine = dict(self.entries)
        return all(n in mine and mine[n].conforms_to(t) for n, t in other.entries)

    def __str__(self) -> str:
        inner = ", ".join(f"{n}: {t}" for n, t in self.entries)
        return f"context<{inner}>"


@dataclass(frozen=True)
class FunctionType(FeelType):
    params: tuple[FeelType, ...]
    result: FeelType

    def is_instance(self, value: Any) -> bool:
        if not isinstance(value, FeelFunction):
            return False
        declared: tuple[FeelType, ...] | None = getattr(value.impl, "param_types", None)
        result: FeelType | None = getattr(value.impl, "result_type", None)
        if declared is None:
            return any(len(s) == len(self.params) for s in value.signatures)
        if len(declared) != len(self.params):
            return False
        # Parameters are contravariant, the result covariant.
        if not all(p.conforms_to(d) for p, d in zip(self.params, declared, strict=True)):
            return False
        return result is None or result.conforms_to(self.result)

    def conforms_to(self, other: FeelType) -> bool:
        if isinstance(other, AnyType):
            return True
        return (
            isinstance(other, FunctionType)
            and len(other.params) == len(self.params)
            and all(o.conforms_to(s) for s, o in zip(self.params, other.params, strict=True))
            and self.result.conforms_to(other.result)
        )

    def __str__(self) -> str:
        return f"function<{', '.join(map(str, self.params))}>->{self.result}"


SIMPLE_TYPE_NAMES = (
    "number",
    "string",
    "boolean",
    "date",
    "time",
    "date and time",
    "days and time duration",
    "years and months duration",
    "context",
    "list",
    "range",
    "function",
)

ANY = AnyType()
NULL = NullType()

# Aliases accepted in typeRef attributes (DMN 1.1 used XML Schema names).
_ALIASES = {
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "duration": "days and time duration",
    "decimal": "number",
    "integer": "number",
    "int": "number",
    "long": "number",
    "double": "number",
    "float": "number",
}


def simple(name: str) -> FeelType:
    """The built-in type called `name` (with XML-Schema aliases), or raise KeyError."""
    name = _ALIASES.get(name, name)
    if name == "Any":
        return ANY
    if name == "Null":
        return NULL
    if name == "list":
        return ListType(ANY)
    if name == "context":
        return ContextType()
    if name == "range":
        return RangeType(ANY)
    if name == "function":
        return _AnyFunction()
    if name in SIMPLE_TYPE_NAMES:
        return SimpleType(name)
    raise KeyError(name)


@dataclass(frozen=True)
class _AnyFunction(FeelType):
    def is_instance(self, value: Any) -> bool:
        return isinstance(value, FeelFunction)

    def conforms_to(self, other: FeelType) -> bool:
        return isinstance(other, AnyType | _AnyFunction)

    def __str__(self) -> str:
        return "function"


_TOKEN = re.compile(r"\s*(->|[<>,:()]|\"(?:[^\"\\]|\\.)*\"|[^\s<>,:()\"]+(?:\s+[^\s<>,:()\"-]+)*)")


def parse_type(text: str, named: Mapping[str, FeelType] | None = None) -> FeelType:
    """Parse a FEEL type expression: `number`, `list<string>`, `context<a: number>`,
    `function<number, string>->boolean`, `range<date>` or a name from `named`.

    Raises KeyError naming the unknown type.
    """
    tokens = [t for t in _TOKEN.findall(text) if t]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise KeyError(f"unexpected end of type {text!r}")
        tok = tokens[pos]
        if expected is not None and tok != expected:
            raise KeyError(f"expected {expected!r} in type {text!r}, found {tok!r}")
        pos += 1
        return str(tok)

    def parse() -> FeelType:
        name = take().strip()
        if name in ("list", "range") and peek() == "<":
            take("<")
            inner = parse()
            take(">")
            return ListType(inner) if name == "list" else RangeType(inner)
        if name == "context" and peek() == "<":
            take("<")
            entries: list[tuple[str, FeelType]] = []
            while peek() != ">":
                key = take().strip().strip('"')
                take(":")
                entries.append((key, parse()))
                if peek() == ",":
                    take(",")
            take(">")
            return ContextType(tuple(entries))
        if name == "function" and peek() == "<":
            take("<")
            params: list[FeelType] = []
            while peek() != ">":
                params.append(parse())
                if peek() == ",":
                    take(",")
            take(">")
            take("->")
            return FunctionType(tuple(params), parse())
        if named is not None and name in named:
            return named[name]
        return simple(name)

    result = parse()
    if pos != len(tokens):
        raise KeyError(f"unexpected {tokens[pos]!r} in type {text!r}")
    return result
