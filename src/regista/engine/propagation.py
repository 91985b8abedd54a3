"""BPMN errors and escalations: finding the catch, walking out through the scopes.

From the element that throws, the search goes outwards: the boundary events of each
enclosing activity (the thrower's own first, for a task whose worker reported the error),
and at each scope its event subprocesses, up to the process. A catch naming the code wins
over a catch-all (no error reference, or an error without a code) at the same place. An
error nothing catches raises an incident — or, in a called instance, ends it and goes to
the parent's call activity. An escalation nothing catches lets the thrower go on.
"""

from __future__ import annotations

from typing import Any

from regista.engine.boundaries import trigger
from regista.engine.effects import NotifyParent
from regista.engine.run import Run
from regista.engine.state import ElementInstance, Status
from regista.engine.subprocesses import start_event_subprocess
from regista.model.bpmn import (
    Activity,
    BoundaryEvent,
    ErrorEventDefinition,
    EscalationEventDefinition,
    Event,
    FlowNode,
    StartEvent,
    SubProcess,
)

__all__ = ["error_code", "escalation_code", "throw_error", "throw_escalation"]


def error_code(run: Run, error_ref: str | None, ei_id: str) -> tuple[str, str]:
    """The code and name of the error `error_ref` (evaluated in `ei_id`)."""
    error = run.ctx.definitions.errors.get(error_ref or "")
    if error is None:
        return "", ""
    code = run.text(error.code, ei_id, "error code") if error.code is not None else None
    return code or error.id, error.name or ""


def escalation_code(run: Run, escalation_ref: str | None, ei_id: str) -> str:
    """The code of the escalation `escalation_ref`."""
    escalation = run.ctx.definitions.escalations.get(escalation_ref or "")
    if escalation is None:
        return ""
    code = (
        run.text(escalation.code, ei_id, "escalation code") if escalation.code is not None else None
    )
    return code or escalation.id


def _codes(run: Run, kind: str, ref: str | None) -> str | None:
    """The code a catch definition catches, None for a catch-all."""
    table: Any = run.ctx.definitions.errors if kind == "error" else run.ctx.definitions.escalations
    item = table.get(ref or "")
    if item is None or item.code is None:
        return None
    return str(item.code.text)


def _match(run: Run, kind: str, nodes: list[FlowNode], code: str) -> FlowNode | None:
    cls = ErrorEventDefinition if kind == "error" else EscalationEventDefinition
    catch_all: FlowNode | None = None
    for node in nodes:
        if not isinstance(node, Event):
            continue
        for definition in node.event_definitions:
            if not isinstance(definition, cls):
                continue
            ref = (
                definition.error_ref
                if isinstance(definition, ErrorEventDefinition)
                else definition.escalation_ref
            )
            caught = _codes(run, kind, ref)
            if caught is None:
                catch_all = catch_all or node
            elif caught == code:
                return node
    return catch_all


def find_catch(
    run: Run, source: ElementInstance, kind: str, code: str
) -> tuple[ElementInstance, FlowNode] | None:
    """The element instance where `kind` ("error"/"escalation") `code` thrown at
    `source` is caught, with the catching boundary event or event subprocess start."""
    instances = run.state.instances
    elements = run.elements
    current: ElementInstance | None = source
    from_event_subprocess = False
    while current is not None:
        node = elements.get(current.element_id)
        if (
            (current.children is not None or current.role == "process")
            and current.role != "body"
            and not from_event_subprocess
        ):
            scope_element = current.element_id
            starts = [elements[s] for s in run.info.event_starts.get(scope_element, ())]
            found = _match(run, kind, starts, code)
            if found is not None:
                return current, found
        if isinstance(node, Activity) and current.role != "inner" and node.boundary_events:
            boundaries = [elements[b] for b in node.boundary_events if b in elements]
            found = _match(run, kind, boundaries, code)
            if found is not None:
                return current, found
        from_event_subprocess = isinstance(node, SubProcess) and node.triggered_by_event
        current = instances.get(current.parent) if current.parent is not None else None
    return None


def _catch(run: Run, where: ElementInstance, node: FlowNode, payload: dict[str, Any]) -> None:
    if isinstance(node, BoundaryEvent):
        trigger(run, where, node, payload)
    elif isinstance(node, StartEvent):
        start_event_subprocess(run, where.id, node, payload)


def throw_error(
    run: Run,
    source: ElementInstance,
    code: str,
    message: str,
    variables: dict[str, Any],
    phase: str,
) -> None:
    """Throw the BPMN error `code` at `source`; uncaught, it raises an incident there
    (retrying `phase` when resolved) or ends a called instance towards its parent."""
    found = find_catch(run, source, "error", code)
    if found is None:
        state = run.state
        if state.parent is not None:
            run.terminate_children(state.id)
            run.effects.append(
                NotifyParent(state.parent[0], state.parent[1], "error", variables, code, message)
            )
            run.end_instance(Status.TERMINATED, notify=False)
            return
        detail = f": {message}" if message else ""
        run.incident(
            source.id,
            f"unhandled BPMN error {code!r}{detail}; add an error boundary event or error "
            "event subprocess that catches it",
            phase,
            None,
            "UNHANDLED_ERROR_EVENT",
        )
        return
    where, node = found
    payload = dict(variables)
    for definition in node.event_definitions if isinstance(node, Event) else ():
        if isinstance(definition, ErrorEventDefinition):
            if definition.error_code_variable:
                payload[definition.error_code_variable] = code
            if definition.error_message_variable:
                payload[definition.error_message_variable] = message
    _catch(run, where, node, payload)


def throw_escalation(
    run: Run, source: ElementInstance, code: str, variables: dict[str, Any]
) -> None:
    """Throw the escalation `code` at `source`; uncaught, it is reported to a parent
    instance (if any) and the thrower goes on."""
    found = find_catch(run, source, "escalation", code)
    if found is None:
        state = run.state
        if state.parent is not None:
            run.effects.append(
                NotifyParent(state.parent[0], state.parent[1], "escalation", variables, code)
            )
        return
    where, node = found
    _catch(run, where, node, dict(variables))
