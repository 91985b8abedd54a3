"""The variable operations of the memory store (`VariableTransaction`), a part of
`MemoryTransaction`: rows by scope and name through the journal, and the same filters
and key order as the SQL stores' `search.sql`, computed by a scan."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

from regista.store.memory.tables import Journal, Tables
from regista.store.variables import (
    VariableCondition,
    VariableQuery,
    VariableTransaction,
    VariableValue,
    value_json,
)

__all__ = ["MemoryVariables", "condition_matches", "instance_variables_match", "row_key"]


def row_key(scope_id: str, name: str) -> str:
    """The key of a variable row in `Tables.variables`."""
    return f"{scope_id}\x1f{name}"


@cache
def _like(pattern: str) -> re.Pattern[str]:
    """SQL's LIKE (`%` any characters, `_` one) as a regular expression."""
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def condition_matches(row: VariableValue, c: VariableCondition) -> bool:
    """Whether a variable row meets the condition, as the SQL pieces compare it."""
    if c.name is not None and row.name != c.name:
        return False
    kind = c.kind
    if c.operator in ("eq", "neq"):
        if kind == "number":
            same = row.number is not None and row.number == float(c.value)
        else:
            same = row.value == value_json(c.value)
        return same == (c.operator == "eq")
    found: float | str | None = row.number if kind == "number" else row.text
    if found is None:
        return False
    wanted = float(c.value) if kind == "number" else str(c.value)
    if c.operator == "like":
        return _like(str(wanted)).match(str(found)) is not None
    if isinstance(found, float) != isinstance(wanted, float):
        return False
    if c.operator == "gt":
        return found > wanted  # type: ignore[operator]
    if c.operator == "gteq":
        return found >= wanted  # type: ignore[operator]
    if c.operator == "lt":
        return found < wanted  # type: ignore[operator]
    return found <= wanted  # type: ignore[operator]


def instance_variables_match(
    variables: Mapping[str, VariableValue],
    instance_id: str,
    conditions: Sequence[VariableCondition],
) -> bool:
    """Whether the instance's own variables meet every condition."""
    for c in conditions:
        row = variables.get(row_key(instance_id, c.name or ""))
        if row is None or not condition_matches(row, c):
            return False
    return True


def _matches(row: VariableValue, q: VariableQuery) -> bool:
    return (
        (q.names is None or row.name in q.names)
        and (q.instance_id is None or row.instance_id == q.instance_id)
        and (q.scope_ids is None or row.scope_id in q.scope_ids)
        and (q.key is None or row.key == q.key)
        and (not q.values or any(condition_matches(row, c) for c in q.values))
    )


class MemoryVariables(VariableTransaction):
    """Variables in the memory store's tables."""

    journal: Journal
    _t: Tables

    def write_variables(
        self, changed: Sequence[VariableValue], removed: Sequence[tuple[str, str]]
    ) -> None:
        table = self._t.variables
        for v in changed:
            key = row_key(v.scope_id, v.name)
            old = table.get(key)
            if old is not None:
                v = VariableValue(
                    v.instance_id, v.scope_id, v.name, old.key, v.value, v.text, v.number
                )
            self.journal.set(table, key, v)
        for scope_id, name in removed:
            self.journal.delete(table, row_key(scope_id, name))

    def variables_of(self, instance_id: str) -> list[VariableValue]:
        self.journal.check()
        found = [v for v in self._t.variables.values() if v.instance_id == instance_id]
        return sorted(found, key=lambda v: int(v.key))

    def page_variables(self, query: VariableQuery) -> list[VariableValue]:
        self.journal.check()
        found = sorted(
            (v for v in self._t.variables.values() if _matches(v, query)),
            key=lambda v: int(v.key),
            reverse=query.descending,
        )
        if query.after_key is not None:
            mark = int(query.after_key)
            found = [
                v for v in found if (int(v.key) < mark if query.descending else int(v.key) > mark)
            ]
        return found[query.offset : query.offset + query.limit]

    def count_variables(self, query: VariableQuery, *, cap: int) -> int:
        self.journal.check()
        return min(sum(1 for v in self._t.variables.values() if _matches(v, query)), cap)
