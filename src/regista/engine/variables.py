"""Variables: scopes, propagation and input/output mappings (Camunda 8 semantics).

Every element instance may hold local variables; lookups walk from an element instance up
to the process instance. Setting a variable by *propagation* updates the nearest scope
that defines it, else creates it on the process instance. Input mappings create local
variables of the element; output mappings are evaluated in the element's context and
propagated from its flow scope. Without output mappings, the variables a job, user task or
message brings are propagated from the element itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regista.engine.effects import History
from regista.engine.run import Run
from regista.engine.state import ElementInstance
from regista.model.bpmn import FlowNode, IoParameter

__all__ = [
    "apply_inputs",
    "apply_outputs",
    "chain",
    "delete_local",
    "merge",
    "propagate",
    "receive",
    "set_local",
    "visible",
]


def chain(run: Run, ei_id: str | None) -> list[dict[str, Any]]:
    """The variable maps visible from `ei_id`, outermost (the instance) first."""
    found: list[dict[str, Any]] = []
    instances = run.state.instances
    while ei_id is not None:
        ei = instances[ei_id]
        if ei.variables:
            found.append(ei.variables)
        ei_id = ei.parent
    found.reverse()
    return found


def visible(run: Run, ei_id: str) -> dict[str, Any]:
    """Every variable visible from `ei_id`, inner names hiding outer ones."""
    merged: dict[str, Any] = {}
    for variables in chain(run, ei_id):
        merged.update(variables)
    return merged


def set_local(run: Run, ei_id: str, name: str, value: Any) -> None:
    """Set `name` on the element instance `ei_id` itself, recording the change."""
    state = run.state
    ei = state.instances[ei_id]
    if ei.epoch is not state.epoch:
        ei = state.mut(ei_id)
    variables = ei.variables
    if variables is None:
        variables = ei.variables = {}
    old = variables.get(name)
    if state.conditions:
        # Conditional events with a variableName / variableEvents filter look at these.
        run.changes.append((ei_id, name, "update" if name in variables else "create"))
    variables[name] = value
    run.vars_changed = True
    run.effects.append(
        History(
            "variable_set",
            ei.element_id,
            ei_id,
            {"name": name, "old": old, "new": value, "scope": ei_id},
        )
    )


def delete_local(run: Run, ei_id: str, name: str) -> None:
    """Remove `name` from the element instance `ei_id` itself, recording the change; a
    name it does not hold is no change."""
    state = run.state
    ei = state.instances[ei_id]
    if not ei.variables or name not in ei.variables:
        return
    if ei.epoch is not state.epoch:
        ei = state.mut(ei_id)
    assert ei.variables is not None
    old = ei.variables.pop(name)
    if state.conditions:
        run.changes.append((ei_id, name, "delete"))
    run.vars_changed = True
    run.effects.append(
        History(
            "variable_deleted", ei.element_id, ei_id, {"name": name, "old": old, "scope": ei_id}
        )
    )


def propagate(run: Run, from_id: str, name: str, value: Any) -> None:
    """Set `name` where it is defined, looking up from `from_id`; else on the instance."""
    instances = run.state.instances
    ei_id: str | None = from_id
    while ei_id is not None:
        ei = instances[ei_id]
        if ei.variables is not None and name in ei.variables:
            set_local(run, ei_id, name, value)
            return
        ei_id = ei.parent
    set_local(run, run.state.id, name, value)


def merge(run: Run, from_id: str, variables: Mapping[str, Any]) -> None:
    """Propagate each of `variables` from `from_id`."""
    for name, value in variables.items():
        propagate(run, from_id, name, value)


def _nested(existing: Any, path: list[str], value: Any) -> Any:
    """`existing` (a context or nothing) with `value` put at the dotted `path`."""
    base = dict(existing) if isinstance(existing, dict) else {}
    head, rest = path[0], path[1:]
    base[head] = _nested(base.get(head), rest, value) if rest else value
    return base


def _lookup(run: Run, ei_id: str, name: str) -> Any:
    for variables in reversed(chain(run, ei_id)):
        if name in variables:
            return variables[name]
    return None


def apply_inputs(run: Run, ei: ElementInstance, inputs: tuple[IoParameter, ...]) -> None:
    """Evaluate the input mappings in order into local variables of `ei` (each sees the
    ones before it); a dotted target builds a nested context."""
    for mapping in inputs:
        value = run.evaluate(mapping.source, ei.id)
        target = mapping.target.strip()
        if "." in target:
            root, *path = target.split(".")
            local = (ei.variables or {}).get(root)
            if local is None:
                local = _lookup(run, ei.id, root)
            set_local(run, ei.id, root, _nested(local, path, value))
        else:
            set_local(run, ei.id, target, value)


def apply_outputs(run: Run, ei: ElementInstance, outputs: tuple[IoParameter, ...]) -> None:
    """Evaluate the output mappings in `ei`'s context and propagate them from its flow
    scope (a dotted target updates a nested context). An inner instance of a
    multi-instance activity propagates from itself, as in Zeebe, so that its mappings reach
    the output element variable it holds locally."""
    scope_id = ei.parent if ei.parent is not None and ei.role != "inner" else ei.id
    results: list[tuple[str, Any]] = []
    for mapping in outputs:
        results.append((mapping.target.strip(), run.evaluate(mapping.source, ei.id)))
    for target, value in results:
        if "." in target:
            root, *path = target.split(".")
            propagate(run, scope_id, root, _nested(_lookup(run, scope_id, root), path, value))
        else:
            propagate(run, scope_id, target, value)


def receive(
    run: Run, ei: ElementInstance, node: FlowNode, variables: Mapping[str, Any] | None
) -> None:
    """Take the variables a job, task, message or signal brought to `ei`: with output
    mappings they become local variables of `ei` for the mappings to read when it
    completes; without, they are propagated from `ei`."""
    if not variables:
        return
    if node.outputs:
        for name, value in variables.items():
            set_local(run, ei.id, name, value)
    else:
        merge(run, ei.id, variables)
