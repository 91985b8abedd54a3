"""Item definitions as FEEL types, and the type check DMN applies to every typed value.

A value that does not conform to its declared type becomes null with a warning, after
the implicit conversions of DMN 1.5 §10.3.2.9.4: a singleton list where a single item is
expected is unwrapped, a single item where a list is expected is wrapped, and a date where
a date and time is expected becomes midnight UTC of that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from regista.feel import UnaryTests, compile_unary_tests
from regista.feel import types as ft
from regista.feel.errors import FeelSyntaxError
from regista.feel.scope import Scope
from regista.feel.values import FeelFunction, kind, to_string
from regista.model import dmn as m

ANY = ft.ANY


@dataclass(frozen=True, eq=False)
class ItemType(ft.FeelType):
    """A named item definition: its structure, plus the allowed values if it has any."""

    name: str
    base: ft.FeelType
    allowed: UnaryTests | None = None

    def is_instance(self, value: Any) -> bool:
        return instance(self, value)

    def conforms_to(self, other: ft.FeelType) -> bool:
        return other is self or isinstance(other, ft.AnyType) or self.base.conforms_to(other)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class StructType(ft.FeelType):
    """The type of an item definition with components: a context with at least these
    entries, each conforming to its type (null conforms to every type)."""

    entries: tuple[tuple[str, ft.FeelType], ...]

    def is_instance(self, value: Any) -> bool:
        return instance(self, value)

    def __str__(self) -> str:
        return "context<" + ", ".join(f"{n}: {t}" for n, t in self.entries) + ">"


@dataclass(frozen=True)
class SignatureType(ft.FeelType):
    """A function item: any function taking this many parameters."""

    arity: int
    result: ft.FeelType

    def is_instance(self, value: Any) -> bool:
        return isinstance(value, FeelFunction) and any(
            len(s) == self.arity or value.variadic for s in value.signatures
        )

    def __str__(self) -> str:
        return f"function/{self.arity}->{self.result}"


@dataclass(frozen=True)
class Unconstrained(ft.FeelType):
    """A type as `instance of` sees it: structure only, allowed values ignored, and null
    is not an instance."""

    type: ft.FeelType

    def is_instance(self, value: Any) -> bool:
        return value is not None and instance(self.type, value, constrained=False)

    def __str__(self) -> str:
        return str(self.type)


def instance(t: ft.FeelType, value: Any, *, constrained: bool = True) -> bool:
    """Whether `value` is of type `t`, where null is of every type (also inside lists and
    contexts). `constrained=False` ignores allowed values."""
    if value is None or isinstance(t, ft.AnyType):
        return True
    if isinstance(t, ItemType):
        if not instance(t.base, value, constrained=constrained):
            return False
        if not constrained or t.allowed is None:
            return True
        return t.allowed.test(value, Scope({}, None, [])) is True
    if isinstance(t, ft.ListType):
        return isinstance(value, list) and all(
            instance(t.element, v, constrained=constrained) for v in value
        )
    if isinstance(t, StructType | ft.ContextType):
        return isinstance(value, dict) and all(
            n in value and instance(et, value[n], constrained=constrained) for n, et in t.entries
        )
    return t.is_instance(value)


def is_list_type(t: ft.FeelType) -> bool:
    while isinstance(t, ItemType):
        t = t.base
    return isinstance(t, ft.ListType)


def _element_type(t: ft.FeelType) -> ft.FeelType:
    while isinstance(t, ItemType):
        t = t.base
    return t.element if isinstance(t, ft.ListType) else ANY


_DATE_AND_TIME = ft.SimpleType("date and time")


def _is_date_and_time(t: ft.FeelType) -> bool:
    while isinstance(t, ItemType):
        t = t.base
    return t == _DATE_AND_TIME


def coerce(value: Any, t: ft.FeelType | None) -> tuple[bool, Any]:
    """(True, value after implicit conversion) if `value` conforms to `t`, else (False,
    None). A type of None means "not declared": everything conforms."""
    if t is None or value is None or isinstance(t, ft.AnyType):
        return True, value
    if instance(t, value):
        return True, value
    if isinstance(value, list):
        if len(value) == 1 and not is_list_type(t) and instance(t, value[0]):
            return True, value[0]
        return False, None
    if is_list_type(t):
        ok, item = coerce(value, _element_type(t))
        if ok and instance(t, [item]):
            return True, [item]
        return False, None
    if type(value) is dt.date and _is_date_and_time(t):
        converted = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        if instance(t, converted):
            return True, converted
    return False, None


def check(value: Any, t: ft.FeelType | None, what: str, warnings: list[str]) -> Any:
    """`value` converted to `t`, or null with a warning naming `what` when it does not
    conform."""
    ok, out = coerce(value, t)
    if ok:
        return out
    shown = to_string(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    warnings.append(f"{what}: the {kind(value)} {shown} does not conform to type {t}; using null")
    return None


class TypeDefinitionError(Exception):
    """An item definition that cannot be understood (message says which and why)."""

    def __init__(self, message: str, item: m.ItemDefinition | None = None) -> None:
        super().__init__(message)
        self.item = item


class TypeTable:
    """Resolves typeRefs of one model: its item definitions, those of the models it
    imports (`import.tName`) and the built-in FEEL types."""

    def __init__(self, definitions: m.Definitions) -> None:
        self.definitions = definitions
        self.items = {i.name: i for i in definitions.item_definitions}
        self.imports: dict[str, TypeTable] = {}
        self._resolved: dict[str, ft.FeelType] = {}
        self._resolving: set[str] = set()
        self.named = _Named(self)
        self.structural = _Named(self, structural=True)

    def resolve(self, type_ref: str | None) -> ft.FeelType | None:
        """The type a typeRef names; None when there is no typeRef. Raises TypeDefinitionError for
        an unknown type."""
        if type_ref is None:
            return None
        try:
            return ft.parse_type(type_ref, self.named)
        except KeyError as e:
            raise TypeDefinitionError(f"unknown type {type_ref!r} ({e.args[0]})") from None

    def item_type(self, name: str) -> ft.FeelType | None:
        if name in self._resolved:
            return self._resolved[name]
        prefix, dot, rest = name.partition(".")
        if dot and prefix in self.imports and rest:
            return self.imports[prefix].item_type(rest)
        item = self.items.get(name)
        if item is None:
            return None
        if name in self._resolving:
            return ANY  # a recursive type: accept any value at the recursion
        self._resolving.add(name)
        try:
            t = self._build(item)
        finally:
            self._resolving.discard(name)
        self._resolved[name] = t
        return t

    def _build(self, item: m.ItemDefinition) -> ft.FeelType:
        if item.function_item is not None:
            fi = item.function_item
            base: ft.FeelType = SignatureType(
                len(fi.parameters), self.resolve(fi.output_type_ref) or ANY
            )
        elif item.components:
            base = StructType(
                tuple((c.name, self._build(c)) for c in item.components),
            )
        elif item.type_ref is not None:
            ref = self.resolve(item.type_ref)
            base = ref if ref is not None else ANY
        else:
            base = ANY
        allowed = _tests(item.allowed_values, item) or _tests(item.type_constraint, item)
        if allowed is not None or item.components or item.type_ref or item.function_item:
            base = ItemType(item.name, base, allowed)
        if item.is_collection:
            base = ItemType(item.name, ft.ListType(base))
        return base


class _Named(Mapping[str, ft.FeelType]):
    """The item definitions of a model as the `named` mapping of `parse_type`."""

    def __init__(self, table: TypeTable, *, structural: bool = False) -> None:
        self.table = table
        self.structural = structural

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.table.item_type(key) is not None

    def __getitem__(self, key: str) -> ft.FeelType:
        t = self.table.item_type(key)
        if t is None:
            raise KeyError(key)
        return Unconstrained(t) if self.structural else t

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.items)

    def __len__(self) -> int:
        return len(self.table.items)


def _tests(text: str | None, item: m.ItemDefinition) -> UnaryTests | None:
    if text is None or not text.strip():
        return None
    try:
        return compile_unary_tests(text)
    except FeelSyntaxError as e:
        raise TypeDefinitionError(
            f"allowed values of item definition {item.name!r}: {e}", item
        ) from None
