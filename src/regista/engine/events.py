"""Events: start, end, intermediate throw and catch, and how waits are armed and fired.

`arm` opens what a catching event waits for — a message or signal subscription, a timer, a
condition — owned by an element instance (the catch event itself, the activity of a
boundary event, the scope of an event subprocess, an event-based gateway). `fire` is the
other half: a correlated message, a due timer, a signal or a condition that became true
reaches the element that waits for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from regista.engine import compensation, propagation
from regista.engine.activities import create_job, message_name, message_of, publish
from regista.engine.effects import BroadcastSignal, OpenSubscription, ScheduleTimer
from regista.engine.errors import Failure
from regista.engine.state import ElementInstance, Wait
from regista.engine.timers import TimerError, next_plan, plan
from regista.engine.variables import receive
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
    FlowNode,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    LinkEventDefinition,
    MessageEventDefinition,
    ReceiveTask,
    SignalEventDefinition,
    StartEvent,
    TerminateEventDefinition,
    TimerEventDefinition,
)

if TYPE_CHECKING:
    from regista.engine.runner import Run

__all__ = ["BEHAVIOURS", "arm", "check_conditions", "fire", "subscribe"]


# --- arming and firing waits -----------------------------------------------------------------


def subscribe(
    run: Run,
    owner: ElementInstance,
    kind: Literal["message", "signal"],
    ref: str | None,
    node: FlowNode,
    context_id: str,
) -> Wait:
    """Open a message (`ref` = message id) or signal (`ref` = signal id) subscription."""
    key: str | None = None
    if kind == "message":
        message = message_of(run, ref, node.id)
        name = message_name(run, message, context_id)
        key = run.text(message.correlation_key, context_id, "correlation key")
    else:
        signal = run.ctx.definitions.signals.get(ref or "")
        if signal is None:
            raise Failure(f"{node.id} refers to the signal {ref!r}, which is not defined")
        name = (run.text(signal.name, context_id, "signal name") if signal.name else None) or (
            signal.id
        )
    wait = Wait(run.new_id(), kind, owner.id, node.id, name=name, key=key)
    run.open_wait(owner.id, wait)
    run.effects.append(OpenSubscription(wait.id, kind, name, key, node.id, owner.id))
    return wait


def schedule(
    run: Run, owner: ElementInstance, definition: TimerEventDefinition, node: FlowNode, ctx_id: str
) -> Wait:
    """Schedule the timer of `definition` (due times counted from the step's now)."""
    try:
        timer = plan(definition, run.ctx.now, lambda expr: run.evaluate(expr, ctx_id))
    except TimerError as exc:
        raise Failure(f"the timer of {node.id}: {exc}") from exc
    wait = Wait(
        run.new_id(),
        "timer",
        owner.id,
        node.id,
        due=timer.due,
        cycle=timer.cycle,
        remaining=timer.remaining,
    )
    run.open_wait(owner.id, wait)
    run.effects.append(ScheduleTimer(wait.id, node.id, owner.id, timer.due, timer.cycle))
    return wait


def arm(run: Run, owner: ElementInstance, node: FlowNode, context_id: str) -> str | None:
    """Open what `node` (a catch event, boundary event, event subprocess start or a
    receive task after an event-based gateway) waits for, owned by `owner`; the kind of
    wait, or None for an event that is only thrown to (error, escalation, ...)."""
    if isinstance(node, ReceiveTask):
        subscribe(run, owner, "message", node.message_ref, node, context_id)
        return "message"
    definition = (
        node.event_definitions[0] if isinstance(node, Event) and node.event_definitions else None
    )
    if isinstance(definition, MessageEventDefinition):
        subscribe(run, owner, "message", definition.message_ref, node, context_id)
        return "message"
    if isinstance(definition, SignalEventDefinition):
        subscribe(run, owner, "signal", definition.signal_ref, node, context_id)
        return "signal"
    if isinstance(definition, TimerEventDefinition):
        schedule(run, owner, definition, node, context_id)
        return "timer"
    if isinstance(definition, ConditionalEventDefinition):
        wait = Wait(run.new_id(), "condition", owner.id, node.id, last=False)
        run.open_wait(owner.id, wait)
        if definition.condition is not None and run.condition(definition.condition, context_id):
            run.replace_wait(_replace(wait, last=True))
            run.queue.append(("fire", wait.id, None))
        return "condition"
    return None


def _replace(wait: Wait, **changes: Any) -> Wait:
    from dataclasses import replace

    return replace(wait, **changes)


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
    if owner.status != "active" and not isinstance(node, BoundaryEvent | StartEvent):
        return  # an element stopped by an incident catches nothing until it is resolved
    interrupting = _interrupting(node)
    keep = False
    if not interrupting:
        if wait.kind == "timer":
            following = next_plan(wait.cycle or "", wait.remaining, wait.due) if wait.due else None
            if following is not None:
                keep = True
                run.replace_wait(_replace(wait, due=following.due, remaining=following.remaining))
                run.effects.append(
                    ScheduleTimer(wait.id, node.id, owner.id, following.due, following.cycle)
                )
        else:
            keep = True
    if not keep:
        run.close_wait(wait.id, cancel=False)
    owner_node = run.elements.get(owner.element_id)
    if isinstance(node, BoundaryEvent):
        from regista.engine.boundaries import trigger

        trigger(run, owner, node, variables)
    elif isinstance(node, StartEvent):
        from regista.engine.subprocesses import start_event_subprocess

        start_event_subprocess(run, owner.id, node, variables)
    elif isinstance(owner_node, EventBasedGateway):
        from regista.engine.gateways import event_triggered

        event_triggered(run, wait, owner, variables)
    else:
        run.close_waits(owner.id, cancel=True)
        run.state.mut(owner.id).wait = None
        receive(run, owner, node, variables)
        run.complete(run.state.instances[owner.id])


def check_conditions(run: Run) -> None:
    """Variables changed: fire the conditional events whose condition became true.

    Without a filter a condition is looked at after any change and fires when it turns
    true. With `variableName` / `variableEvents` (Camunda 7) it is looked at only after a
    matching change of a variable it can see (set on its own scope or one around it) and
    fires whenever it then holds, as Camunda does.
    """
    state = run.state
    changes = run.changes
    run.changes = []
    for wait_id in list(state.conditions):
        wait = state.waits.get(wait_id)
        if wait is None:
            continue
        node = run.elements.get(wait.element_id)
        definition = node.event_definitions[0] if isinstance(node, Event) else None
        if not isinstance(definition, ConditionalEventDefinition) or definition.condition is None:
            continue
        owner = state.instances.get(wait.owner)
        if owner is None:
            continue
        filtered = bool(definition.variable_names or definition.variable_events)
        if filtered and not _relevant(run, definition, owner, changes):
            continue
        try:
            value = run.condition(definition.condition, wait.owner)
        except Failure:
            value = False
        if value and (filtered or not wait.last):
            if not wait.last:
                run.replace_wait(_replace(wait, last=True))
            run.queue.append(("fire", wait_id, None))
        elif not value and wait.last:
            run.replace_wait(_replace(wait, last=False))


def _relevant(
    run: Run,
    definition: ConditionalEventDefinition,
    owner: ElementInstance,
    changes: list[tuple[str, str, str]],
) -> bool:
    """Whether one of `changes` passes the event's filter and is visible from `owner`."""
    names = definition.variable_names
    kinds = {k.strip().lower() for k in definition.variable_events}
    scopes: set[str] | None = None
    for scope_id, name, kind_ in changes:
        if names and name not in names:
            continue
        if kinds and kind_ not in kinds:
            continue
        if scopes is None:
            scopes = set()
            instances = run.state.instances
            current: str | None = owner.id
            while current is not None:
                scopes.add(current)
                ei = instances.get(current)
                current = ei.parent if ei is not None else None
        if scope_id in scopes:
            return True
    return False


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
    if isinstance(definition, ConditionalEventDefinition):
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
    """Throw a message, signal, escalation or compensation; False when the element
    instance does not go on by itself (it waits, or was ended by a catch)."""
    definition = node.definition
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
        propagation.throw_error(run, ei, code, message, dict(ei.variables or {}), "activate")
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


BEHAVIOURS: dict[type, Any] = {
    StartEvent: _start,
    EndEvent: _end,
    IntermediateCatchEvent: _catch,
    IntermediateThrowEvent: _throw,
    BoundaryEvent: _boundary,
}
