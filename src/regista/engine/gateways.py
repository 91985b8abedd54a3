"""Gateways: choosing flows, forking and joining tokens.

A joining parallel gateway counts the tokens waiting on each incoming flow in its scope
(only flows that hold a token are kept), so an arrival costs O(1) and the gateway fires when
every incoming flow holds one. A joining inclusive gateway fires when no token that can
still reach it is left in its scope: the elements it is reachable from are computed once per
model, and the check runs once the step's queue is empty, over the scope's live tokens.
"""

from __future__ import annotations

from typing import Any

from regista.engine.errors import Failure
from regista.engine.run import Behaviour, Run, behaviour
from regista.engine.state import ElementInstance, Wait
from regista.engine.waits import arm
from regista.model.bpmn import (
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    InclusiveGateway,
    ParallelGateway,
)

__all__ = ["BEHAVIOURS", "check_inclusive", "defer_inclusive", "event_triggered", "join"]


def _exclusive(run: Run, ei: ElementInstance, node: ExclusiveGateway) -> None:
    flows = run.flows
    for flow_id in node.outgoing:
        if flow_id == node.default:
            continue
        condition = flows[flow_id].condition
        if condition is None or run.condition(condition, ei.id):
            run.complete(ei, (flow_id,))
            return
    if node.default is not None:
        run.complete(ei, (node.default,))
        return
    if not node.outgoing:
        run.complete(ei, ())
        return
    raise Failure(
        f"no condition is true at the exclusive gateway {node.id} and it has no default "
        "flow; add a default flow or fix the conditions",
        "CONDITION_ERROR",
    )


def _inclusive(run: Run, ei: ElementInstance, node: InclusiveGateway) -> None:
    flows = run.flows
    taken: list[str] = []
    for flow_id in node.outgoing:
        if flow_id == node.default:
            continue
        condition = flows[flow_id].condition
        if condition is None or run.condition(condition, ei.id):
            taken.append(flow_id)
    if not taken and node.default is not None:
        taken.append(node.default)
    if not taken and node.outgoing:
        raise Failure(
            f"no condition is true at the inclusive gateway {node.id} and it has no default "
            "flow; add a default flow or fix the conditions",
            "CONDITION_ERROR",
        )
    run.complete(ei, taken)


def _parallel(run: Run, ei: ElementInstance, node: ParallelGateway) -> None:
    run.complete(ei, node.outgoing)


def _event_based(run: Run, ei: ElementInstance, node: EventBasedGateway) -> None:
    flows = run.flows
    for flow_id in node.outgoing:
        target = run.elements[flows[flow_id].target]
        arm(run, ei, target, ei.id)
    run.state.mut(ei.id).wait = "events"


def event_triggered(
    run: Run, wait: Wait, gateway: ElementInstance, variables: dict[str, Any] | None
) -> None:
    """An event after an event-based gateway happened: the others are closed, the gateway
    completes along the flow to that event, which completes at once with `variables`."""
    node = run.elements[gateway.element_id]
    flow_id = next((f for f in node.outgoing if run.flows[f].target == wait.element_id), None)
    run.close_waits(gateway.id, cancel=True)
    run.state.mut(gateway.id).wait = None
    if flow_id is None:
        return
    run.leave(run.state.instances[gateway.id], node, (flow_id,), variables or {})


def join(run: Run, scope_id: str, gateway_id: str, flow_id: str, kind: str) -> None:
    """A token arrives at a joining gateway over `flow_id`."""
    scope = run.state.mut(scope_id)
    if scope.joins is None:
        scope.joins = {}
    counts = scope.joins.get(gateway_id)
    if counts is None:
        counts = scope.joins[gateway_id] = {}
    counts[flow_id] = counts.get(flow_id, 0) + 1
    if kind == "parallel":
        node = run.elements[gateway_id]
        if len(counts) >= len(node.incoming):
            _fire(run, scope_id, gateway_id, flow_id)
    else:
        run.deferred[(scope_id, gateway_id)] = None


def _fire(run: Run, scope_id: str, gateway_id: str, flow_id: str | None) -> None:
    """Consume one token per flow holding one and activate the gateway."""
    scope = run.state.mut(scope_id)
    joins = scope.joins
    assert joins is not None
    counts = joins[gateway_id]
    for flow in list(counts):
        left = counts[flow] - 1
        if left:
            counts[flow] = left
        else:
            del counts[flow]
    if not counts:
        del joins[gateway_id]
    if not joins:
        scope.joins = None
    elif gateway_id in joins and run.info.joins[gateway_id] == "inclusive":
        run.deferred[(scope_id, gateway_id)] = None
    run.activate(scope_id, run.elements[gateway_id], flow_id)


def defer_inclusive(run: Run, scope: ElementInstance) -> None:
    """A token left `scope`: its waiting inclusive joins need a new look."""
    joins = scope.joins
    if joins:
        kinds = run.info.joins
        for gateway_id in joins:
            if kinds.get(gateway_id) == "inclusive":
                run.deferred[(scope.id, gateway_id)] = None


def check_inclusive(run: Run) -> None:
    """Fire the waiting inclusive joins that no token can still reach."""
    items = list(run.deferred)
    run.deferred.clear()
    instances = run.state.instances
    for scope_id, gateway_id in items:
        scope = instances.get(scope_id)
        if scope is None or not scope.joins or gateway_id not in scope.joins:
            continue
        reach = run.info.reach(gateway_id)
        if any(instances[c].element_id in reach for c in scope.children or ()):
            continue
        if any(g != gateway_id and g in reach for g in scope.joins):
            continue
        _fire(run, scope_id, gateway_id, None)


BEHAVIOURS: dict[type[FlowNode], Behaviour] = dict(
    [
        behaviour(ExclusiveGateway, _exclusive),
        behaviour(InclusiveGateway, _inclusive),
        behaviour(ParallelGateway, _parallel),
        behaviour(EventBasedGateway, _event_based),
    ]
)
