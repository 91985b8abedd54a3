"""Embedded subprocesses, transactions and event subprocesses.

Entering a scope (the process itself, a subprocess) arms the start events of its event
subprocesses and sends a token to its none start event. The scope completes when no token
is left in it. An event subprocess starts when its start event is triggered: an
interrupting one first terminates everything else in the scope, a non-interrupting one runs
beside it (and may start again).
"""

from __future__ import annotations

from typing import Any

from regista.engine.errors import Failure
from regista.engine.run import Behaviour, Run, behaviour
from regista.engine.state import ElementInstance
from regista.engine.waits import arm
from regista.model.bpmn import (
    AdHocSubProcess,
    ComplexGateway,
    FlowNode,
    StartEvent,
    SubProcess,
    Transaction,
    UnsupportedNode,
)

__all__ = ["BEHAVIOURS", "enter_scope", "start_event_subprocess"]


def enter_scope(
    run: Run,
    ei: ElementInstance,
    scope_element_id: str,
    start_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Open the scope `ei`: arm its event subprocesses and start at `start_id` (by
    default its none start event)."""
    scope = run.state.mut(ei.id)
    if scope.children is None:
        scope.children = {}
    info = run.info
    for event_start_id in info.event_starts.get(scope_element_id, ()):
        arm(run, run.state.instances[ei.id], run.elements[event_start_id], ei.id)
    start = start_id or info.none_start.get(scope_element_id)
    if start is None:
        raise Failure(f"{scope_element_id} has no none start event to begin with; add one")
    through = info.instantiates.get(start) if start_id is not None else None
    if through is not None:
        # Started by an event after an instantiating event-based gateway: the gateway is
        # passed at once towards that event, which completes with the trigger's variables.
        gateway_id, flow_id = through
        gateway = run.create(ei.id, gateway_id)
        run.history(
            "element_activated",
            gateway_id,
            gateway.id,
            {"type": info.type_names[gateway_id], "flow": None, "scope": ei.id},
        )
        run.leave(gateway, run.elements[gateway_id], (flow_id,), payload or {})
        return
    run.enter(ei.id, start, None, payload)


def _subprocess(run: Run, ei: ElementInstance, node: SubProcess) -> None:
    if node.triggered_by_event:
        data = run.state.mut(ei.id).data or {}
        start_id = data.pop("start", None)
        payload = data.pop("trigger", None)
        enter_scope(run, ei, node.id, start_id, payload if payload is not None else {})
        return
    enter_scope(run, ei, node.id)


def _ad_hoc(run: Run, ei: ElementInstance, node: AdHocSubProcess) -> None:
    raise Failure(
        f"the ad-hoc subprocess {node.id} cannot run in Regista; model it as an embedded subprocess"
    )


def _unsupported(run: Run, ei: ElementInstance, node: FlowNode) -> None:
    what = node.tag if isinstance(node, UnsupportedNode) else type(node).__name__
    raise Failure(f"{node.id} is a {what}, which Regista cannot run; remodel it")


def start_event_subprocess(
    run: Run, scope_id: str, start: StartEvent, variables: dict[str, Any] | None
) -> None:
    """Start the event subprocess of `start` inside the scope `scope_id`."""
    esp = run.elements[start.parent]
    if start.is_interrupting:
        scope = run.state.instances[scope_id]
        starts = set(run.info.event_starts.get(scope.element_id, ()))
        for wait_id in list(scope.waits or ()):
            wait = run.state.waits.get(wait_id)
            if wait is not None and wait.element_id in starts:
                run.close_wait(wait_id, cancel=True)
        run.terminate_children(scope_id)
    run.activate(
        scope_id,
        esp,
        None,
        data={"start": start.id, "trigger": dict(variables or {})},
    )


BEHAVIOURS: dict[type[FlowNode], Behaviour] = dict(
    [
        behaviour(SubProcess, _subprocess),
        behaviour(Transaction, _subprocess),
        behaviour(AdHocSubProcess, _ad_hoc),
        behaviour(ComplexGateway, _unsupported),
        behaviour(UnsupportedNode, _unsupported),
    ]
)
