"""The variable rows a state write changes (`store/variables.py`): the variables of the
state document written, compared by scope and name with those of the document the unit
of work read, so that only what changed is written, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from regista.engine.codec import decode_value, plain_value
from regista.store import Transaction, VariableValue

__all__ = ["scope_variables", "variable_changes", "write_variables"]

_MISSING: Any = object()


def scope_variables(document: Mapping[str, Any] | None) -> dict[tuple[str, str], Any]:
    """The variables of a state document (as `InstanceState.to_json` writes it, values
    encoded) by (scope id, name)."""
    found: dict[tuple[str, str], Any] = {}
    if document is None:
        return found
    for scope in document.get("instances", ()):
        for name, value in (scope.get("variables") or {}).items():
            found[(scope["id"], name)] = value
    return found


def variable_changes(
    instance_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    ids: Callable[[], str],
) -> tuple[list[VariableValue], list[tuple[str, str]]]:
    """The rows to write (each with a new key, which the store keeps only for a variable
    it did not have) and the (scope id, name) pairs to delete, from the document `before`
    (None: a new instance) to the document `after`."""
    old = scope_variables(before)
    new = scope_variables(after)
    changed = [
        VariableValue.of(instance_id, scope, name, ids(), plain_value(decode_value(value)))
        for (scope, name), value in new.items()
        if old.get((scope, name), _MISSING) != value
    ]
    removed = [pair for pair in old if pair not in new]
    return changed, removed


def write_variables(
    tx: Transaction,
    instance_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    ids: Callable[[], str],
) -> Mapping[str, Any]:
    """Write the variable rows that changed from the state document `before` to `after`
    (in the transaction that writes `after`); returns `after`, now what the store holds."""
    changed, removed = variable_changes(instance_id, before, after, ids)
    if changed or removed:
        tx.write_variables(changed, removed)
    return after
