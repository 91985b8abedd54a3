"""The current variable values of every instance, one row per scope and name, so that
searches can reach across instances (`/v2/variables/search`, Camunda 7's variable
instances, process instances filtered by a variable's value) without reading states.

The rows mirror the variables of each instance's state: the unit of work writes what
changed in the same transaction as the state (`runtime/variable_rows.py`), so they are
never behind it. A value is kept as the JSON text the API answers, beside its string
(the first `TEXT_PREFIX` characters) or number, which comparisons use.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "OPERATORS",
    "TEXT_PREFIX",
    "Operator",
    "VariableCondition",
    "VariableQuery",
    "VariableTransaction",
    "VariableValue",
    "is_key",
    "value_json",
]

#: The characters of a string value kept for comparisons and `like` (longer strings are
#: compared by their beginning; equality also checks the whole value).
TEXT_PREFIX = 256

Operator = Literal["eq", "neq", "gt", "gteq", "lt", "lteq", "like"]
#: The comparisons of a value condition, as Camunda 7 names them.
OPERATORS: tuple[Operator, ...] = ("eq", "neq", "gt", "gteq", "lt", "lteq", "like")


def is_key(text: str) -> bool:
    """Whether `text` can be a variable's key: ASCII digits of a signed 64-bit integer."""
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit() and int(text) < 2**63


def value_json(value: Any) -> str:
    """The JSON text a plain value is kept as: compact, object keys sorted, so that equal
    values have equal texts."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class VariableValue:
    """A variable as the store keeps it: `value` is its JSON text; `text` the (beginning
    of the) string, `number` the number, when it is one. `key` is given once, when the
    variable is first written, and kept as its value changes."""

    instance_id: str
    scope_id: str
    name: str
    key: str
    value: str
    text: str | None = None
    number: float | None = None

    @staticmethod
    def of(instance_id: str, scope_id: str, name: str, key: str, plain: Any) -> VariableValue:
        """The row of a plain JSON value."""
        text = plain[:TEXT_PREFIX] if isinstance(plain, str) else None
        number = (
            float(plain) if isinstance(plain, int | float) and not isinstance(plain, bool) else None
        )
        return VariableValue(instance_id, scope_id, name, key, value_json(plain), text, number)


def _float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


@dataclass(frozen=True, slots=True)
class VariableCondition:
    """A comparison of a variable's value: `operator` applied to the variable `name` (None:
    whichever variable the search meets) and the plain JSON `value`. A string compares with
    strings (`like`: SQL's `%` and `_`), a number with numbers; `eq` and `neq` compare any
    value whole."""

    name: str | None
    operator: Operator
    value: Any

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"unknown operator {self.operator!r}; use one of {OPERATORS}")
        ordered = self.operator not in ("eq", "neq")
        if ordered and not (
            isinstance(self.value, str)
            or (isinstance(self.value, int | float) and not isinstance(self.value, bool))
        ):
            raise ValueError(f"{self.operator} compares strings or numbers, not {self.value!r}")
        if self.operator == "like" and not isinstance(self.value, str):
            raise ValueError("like compares strings")
        if self.kind == "number" and not math.isfinite(_float(self.value)):
            raise ValueError(f"{self.value!r} is not a number that can be compared")

    @property
    def kind(self) -> Literal["text", "number", "json"]:
        """How the value compares: as a string, a number, or JSON text."""
        if isinstance(self.value, str):
            return "text"
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            return "number"
        return "json"

    @property
    def column(self) -> Literal["text", "number", "json"]:
        """What the comparison reads: a number's value, the string (orderings and `like`),
        or the JSON text (equality of anything else, strings included)."""
        kind = self.kind
        if self.operator in ("eq", "neq") and kind == "text":
            return "json"
        return kind


@dataclass(frozen=True, slots=True)
class VariableQuery:
    """Which variables a page holds, by key (`descending`: newest key first); keyset paging
    after `after_key`, or `offset` rows in. `names`, `scope_ids` and `values` (conditions
    on the value, any of which may match; each names the variable it compares) select."""

    names: tuple[str, ...] | None = None
    instance_id: str | None = None
    scope_ids: tuple[str, ...] | None = None
    key: str | None = None
    values: tuple[VariableCondition, ...] = ()
    descending: bool = False
    after_key: str | None = None
    offset: int = 0
    limit: int = 100


class VariableTransaction(Protocol):
    """The variable operations of a transaction (a part of `Transaction`)."""

    def write_variables(
        self, changed: Sequence[VariableValue], removed: Sequence[tuple[str, str]]
    ) -> None:
        """Write the variables that were set (a new key is kept only for a new variable)
        and delete the (scope id, name) pairs `removed`."""
        ...

    def variables_of(self, instance_id: str) -> list[VariableValue]:
        """Every variable of an instance (an instance has few), in key order."""
        ...

    def page_variables(self, query: VariableQuery) -> list[VariableValue]:
        """A page of variables of every instance (see `VariableQuery`)."""
        ...

    def count_variables(self, query: VariableQuery, *, cap: int) -> int:
        """How many variables `query` selects, counting up to `cap`."""
        ...
