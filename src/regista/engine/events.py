"""Events: start, end, intermediate throw and catch, and what happens when a wait fires.

`waits.arm` opens what a catching event waits for; `fire` is the other half: a correlated
message, a due timer, a signal or a condition that became true reaches the element that
waits for it — a boundary event, an event subprocess start, an event after an event-based
gateway or an intermediate catch event.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from regista.engine import compensation, propagation
from regista.engine.activities import create_job, publish
from regista.engine.boundaries import trigger
from regista.engine.effects import BroadcastSignal, ScheduleTimer
from regista.engine.errors import Failure
from regista.engine.gateways import event_triggered
from regista.engine.run import Behaviour, Run, behaviour
from regista.engine.state import ElementInstance, Status, Wait
from regista.engine.subprocesses import start_event_subprocess
from regista.engine.timers import next_plan
from regista.engine.variables import receive
from regista.engine.waits import arm
from regista.model.bpmn import (
    BoundaryEvent,
    CancelEventDefinition,
    CompensateEventDefinition,
    ConditionalEventDefinition,
    EndEvent,
    ErrorEventDefinition,
    EscalationEventDefinition,
    Event,
    EventBasedGateway,
    EventDefinition,
    FlowNode,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    LinkEventDefinition,
    MessageEventDefinition,
    SignalEventDefinition,
    StartEvent,
    TerminateEventDefinition,
)

__all__ = ["BEHAVIOURS", "fire"]


# --- firing waits ----------------------------------------------------------------------------


def _interrupting(node: FlowNode) -> bool:
    if isinstance(node, BoundaryEvent):
        return node.cancel_activity
    if isinstance(node, StartEvent):
        return node.is_interrupting
    return True


def fire(run: Run, wait: Wait, variables: dict[str, Any] | None) -> None:
    """What `wait` waited for happened: trigger its element."""
    state = run.state
    owner = state.instances.get(wait.owner)
    node = run.elements.get(wait.element_id)
    if owner is None or node is None:
        run.close_wait(wait.id, cancel=False)
        return
    if owner.status != Status.ACTIVE and not isinstance(node, BoundaryEvent | StartEvent):
        return  # an element stopped by an incident catches nothing until it is resolved
    if isinstance(node, Event) and node.parallel_multiple and len(node.event_definitions) > 1:
        variables = _gathered(run, wait, owner, node, variables)
        if variables is None:
            return  # a parallel multiple event waits until each of its events happened
    interrupting = _interrupting(node)
    keep = False
    if not interrupting:
        if wait.kind == "timer":
            following = next_plan(wait.cycle or "", wait.remaining, wait.due) if wait.due else None
            if following is not None:
                keep = True
                run.replace_wait(replace(wait, due=following.due, remaining=following.remaining))
                run.effects.append(
                    ScheduleTimer(wait.id, node.id, owner.id, following.due, following.cycle)
                )
        else:
            keep = True
    if not keep:
        run.close_wait(wait.id, cancel=False)
    owner_node = run.elements.get(owner.element_id)
    if isinstance(node, BoundaryEvent):
        trigger(run, owner, node, variables)
    elif isinstance(node, StartEvent):
        start_event_subprocess(run, owner.id, node, variables)
    elif isinstance(owner_node, EventBasedGateway):
        event_triggered(run, wait, owner, variables)
    else:
        run.close_waits(owner.id, cancel=True)
        run.state.mut(owner.id).wait = None
        receive(run, owner, node, variables)
        run.complete(run.state.instances[owner.id])


def _gathered(
    run: Run, wait: Wait, owner: ElementInstance, node: Event, variables: dict[str, Any] | None
) -> dict[str, Any] | None:
    """One event of the parallel multiple `node` happened: close its wait and keep what it
    brought; None while others are still awaited, else everything they brought."""
    run.close_wait(wait.id, cancel=False)
    key = f"parallel:{node.id}"
    data = run.state.mut(owner.id).data
    gathered = dict((data or {}).get(key) or {})
    gathered.update(variables or {})
    pending = any(
        (w := run.state.waits.get(other)) is not None and w.element_id == node.id
        for other in owner.waits or ()
    )
    if pending:
        run.state.mut(owner.id).data = {**(data or {}), key: gathered}
        return None
    if data and key in data:
        run.state.mut(owner.id).data = {k: v for k, v in data.items() if k != key}
    return gathered


# --- behaviours ------------------------------------------------------------------------------


def _payload(run: Run, ei: ElementInstance) -> dict[str, Any] | None:
    """The trigger variables an event was activated with (taken out of `ei`)."""
    if ei.data and "trigger" in ei.data:
        data = run.state.mut(ei.id).data
        assert data is not None
        payload: dict[str, Any] | None = data.pop("trigger")
        return payload if payload is not None else {}
    return None


def _start(run: Run, ei: ElementInstance, node: Event) -> None:
    payload = _payload(run, ei)
    if payload:
        receive(run, ei, node, payload)
    run.complete(run.state.instances[ei.id])


def _boundary(run: Run, ei: ElementInstance, node: BoundaryEvent) -> None:
    _start(run, ei, node)


def _catch(run: Run, ei: ElementInstance, node: IntermediateCatchEvent) -> None:
    payload = _payload(run, ei)
    if payload is not None:
        receive(run, ei, node, payload)
        run.complete(run.state.instances[ei.id])
        return
    definition = node.definition
    if definition is None or isinstance(definition, LinkEventDefinition):
        run.complete(ei)
        return
    if isinstance(definition, ConditionalEventDefinition) and len(node.event_definitions) == 1:
        if definition.condition is None or run.condition(definition.condition, ei.id):
            run.complete(ei)
            return
        wait = Wait(run.new_id(), "condition", ei.id, node.id, last=False)
        run.open_wait(ei.id, wait)
        run.state.mut(ei.id).wait = "condition"
        return
    kind = arm(run, ei, node, ei.id)
    if kind is None:
        raise Failure(f"the intermediate catch event {node.id} has nothing to wait for")
    run.state.mut(ei.id).wait = kind


def _throw_common(run: Run, ei: ElementInstance, node: Event) -> bool:
    """Throw a message, signal, escalation or compensation — each of them, in order, for a
    multiple event; False when the element instance does not go on by itself (it waits, or
    was ended by a catch)."""
    for definition in node.event_definitions:
        if not _throw_one(run, ei, node, definition) or ei.id not in run.state.instances:
            return False
    return True


def _throw_one(run: Run, ei: ElementInstance, node: Event, definition: EventDefinition) -> bool:
    if isinstance(definition, MessageEventDefinition):
        if node.job is not None:
            create_job(run, ei, node)
            return False
        publish(run, ei, definition.message_ref or "", node.id)
        return True
    if isinstance(definition, SignalEventDefinition):
        signal = run.ctx.definitions.signals.get(definition.signal_ref or "")
        if signal is None:
            raise Failure(
                f"{node.id} refers to the signal {definition.signal_ref!r}, which is not defined"
            )
        name = run.text(signal.name, ei.id, "signal name") if signal.name else signal.id
        run.effects.append(BroadcastSignal(name or signal.id, dict(ei.variables or {})))
        return True
    if isinstance(definition, EscalationEventDefinition):
        code = propagation.escalation_code(run, definition.escalation_ref, ei.id)
        propagation.throw_escalation(run, ei, code, {})
        return ei.id in run.state.instances
    if isinstance(definition, CompensateEventDefinition):
        return compensation.throw(run, ei, definition)
    return True


def _end(run: Run, ei: ElementInstance, node: EndEvent) -> None:
    definition = node.definition
    if isinstance(definition, TerminateEventDefinition):
        scope_id = ei.parent
        assert scope_id is not None
        run.terminate_children(scope_id, keep=ei.id)
        if scope_id == run.state.id:
            root = run.state.mut(scope_id)
            root.data = {**(root.data or {}), "terminated": True}
        run.complete(run.state.instances[ei.id])
        return
    if isinstance(definition, ErrorEventDefinition):
        code, message = propagation.error_code(run, definition.error_ref, ei.id)
        variables = dict(ei.variables or {})
        scope = run.state.instances.get(ei.parent or "")
        if scope is not None and (
            run.state.parent is not None or propagation.find_catch(run, ei, "error", code)
        ):
            # The error leaves the end event (caught above it, or sent to the calling
            # instance), so the end event completed like every other end event and is part
            # of the path; the error is thrown from its scope. Uncaught, it stays as an
            # incident at the end event.
            data = {"type": run.info.type_names[node.id], "flows": []}
            run.history("element_completed", node.id, ei.id, data)
            run.state.passed.append(node.id)
            run.remove(ei)
            ei = scope
        propagation.throw_error(run, ei, code, message, variables, "activate")
        return
    if isinstance(definition, CancelEventDefinition):
        compensation.cancel_transaction(run, ei)
        return
    if _throw_common(run, ei, node) and ei.id in run.state.instances:
        run.complete(run.state.instances[ei.id])


def _throw(run: Run, ei: ElementInstance, node: IntermediateThrowEvent) -> None:
    definition = node.definition
    if isinstance(definition, LinkEventDefinition):
        target = run.info.links.get((node.parent, definition.name or ""))
        if target is None:
            raise Failure(
                f"no intermediate catch event links from {node.id} (link {definition.name!r}) "
                "in the same scope; add a link catch event with that name"
            )
        scope_id = ei.parent
        assert scope_id is not None
        run.leave(ei, node, ())
        run.enter(scope_id, target)
        return
    if _throw_common(run, ei, node) and ei.id in run.state.instances:
        run.complete(run.state.instances[ei.id])


BEHAVIOURS: dict[type[FlowNode], Behaviour] = dict(
    [
        behaviour(StartEvent, _start),
        behaviour(EndEvent, _end),
        behaviour(IntermediateCatchEvent, _catch),
        behaviour(IntermediateThrowEvent, _throw),
        behaviour(BoundaryEvent, _boundary),
    ]
)
