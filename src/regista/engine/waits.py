"""Waits of catching events: how they are opened, and when conditions fire.

`arm` opens what a catching event waits for — a message or signal subscription, a timer, a
condition — owned by an element instance (the catch event itself, the activity of a
boundary event, the scope of an event subprocess, an event-based gateway). What happens
when a wait fires is `events.fire`. `check_conditions` queues the conditional events whose
condition became true after variables changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from regista.engine.effects import OpenSubscription, ScheduleTimer
from regista.engine.errors import Failure
from regista.engine.run import Run
from regista.engine.state import ElementInstance, Wait
from regista.engine.timers import TimerError, plan
from regista.model.bpmn import (
    ConditionalEventDefinition,
    Event,
    EventDefinition,
    FlowNode,
    Message,
    MessageEventDefinition,
    ReceiveTask,
    SignalEventDefinition,
    TimerEventDefinition,
)

__all__ = [
    "arm",
    "check_conditions",
    "conditional",
    "message_name",
    "message_of",
    "schedule",
    "subscribe",
]


def message_of(run: Run, message_ref: str | None, element_id: str) -> Message:
    """The message definition `message_ref` (a `Failure` when missing)."""
    message = run.ctx.definitions.messages.get(message_ref or "")
    if message is None:
        raise Failure(f"{element_id} refers to the message {message_ref!r}, which is not defined")
    return message


def message_name(run: Run, message: Message, ei_id: str) -> str:
    """The evaluated name of a message."""
    name = run.text(message.name, ei_id, "message name") if message.name else message.id
    return name or message.id


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
    wait, or None for an event that is only thrown to (error, escalation, ...). An event
    with several definitions (BPMN's multiple and parallel multiple events) waits for each:
    the first to happen triggers it, or the last for a parallel multiple one."""
    if isinstance(node, ReceiveTask):
        subscribe(run, owner, "message", node.message_ref, node, context_id)
        return "message"
    if not isinstance(node, Event):
        return None
    kinds = [_arm_one(run, owner, node, d, context_id) for d in node.event_definitions]
    return next((kind for kind in kinds if kind is not None), None)


def _arm_one(
    run: Run, owner: ElementInstance, node: Event, definition: EventDefinition, context_id: str
) -> str | None:
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
            run.replace_wait(replace(wait, last=True))
            run.queue.append(("fire", wait.id, None))
        return "condition"
    return None


def conditional(node: FlowNode | None) -> ConditionalEventDefinition | None:
    """The conditional event definition of `node`, if it has one."""
    if isinstance(node, Event):
        for definition in node.event_definitions:
            if isinstance(definition, ConditionalEventDefinition):
                return definition
    return None


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
        definition = conditional(run.elements.get(wait.element_id))
        if definition is None or definition.condition is None:
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
                run.replace_wait(replace(wait, last=True))
            run.queue.append(("fire", wait_id, None))
        elif not value and wait.last:
            run.replace_wait(replace(wait, last=False))


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
