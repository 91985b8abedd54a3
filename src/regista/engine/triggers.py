"""The start events the shell watches for: messages, signals, timers and conditions.

A process with such start events is started by the shell (with `StartInstance(...,
start_event_id=...)`) when the message arrives, the signal is broadcast, the timer is due
or the condition holds; `start_triggers` lists them for every process of a deployment —
with the receive tasks and gateway events that instantiate a process (`instantiate`), whose
`start_event_id` names that element. `conditional_starts` says which conditional start
events hold for given variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from regista import feel
from regista.engine.context import Context
from regista.engine.errors import ExpressionError
from regista.engine.expressions import evaluate
from regista.model.bpmn import (
    ConditionalEventDefinition,
    Definitions,
    EventBasedGateway,
    EventDefinition,
    Expression,
    IntermediateCatchEvent,
    MessageEventDefinition,
    Process,
    ReceiveTask,
    SignalEventDefinition,
    StartEvent,
    TimerEventDefinition,
)

__all__ = ["StartTrigger", "conditional_starts", "start_triggers"]

TriggerKind = Literal["none", "message", "signal", "timer", "conditional"]


@dataclass(frozen=True, slots=True)
class StartTrigger:
    """One top-level start event of a process: its kind, the message or signal name (a
    constant, or the text of a FEEL expression), the timer, or the condition."""

    process_id: str
    start_event_id: str
    kind: TriggerKind
    name: str | None = None
    timer: TimerEventDefinition | None = None
    condition: Expression | None = None


def _name(expr: Expression | None) -> str | None:
    if expr is None:
        return None
    if expr.language == "feel":
        try:
            value = feel.evaluate(expr.text, {})
        except Exception:
            return expr.text
        return value if isinstance(value, str) else expr.text
    return expr.text


def start_triggers(definitions: Definitions) -> list[StartTrigger]:
    """Every top-level start event of every executable process, in model order."""
    found: list[StartTrigger] = []
    for process in definitions.processes.values():
        if not process.is_executable:
            continue
        for start_id in process.start_events:
            node = process.elements.get(start_id)
            if not isinstance(node, StartEvent):
                continue
            if not node.event_definitions:
                found.append(StartTrigger(process.id, start_id, "none"))
            # A multiple start event starts an instance on any of its events.
            for definition in node.event_definitions:
                trigger = _start_trigger(definitions, process.id, start_id, definition)
                if trigger is not None:
                    found.append(trigger)
        found.extend(_instantiating(definitions, process))
    return found


def _start_trigger(
    definitions: Definitions, process_id: str, start_id: str, definition: EventDefinition
) -> StartTrigger | None:
    """The trigger of one event definition of a top-level start event."""
    if isinstance(definition, MessageEventDefinition):
        return _message_trigger(definitions, process_id, start_id, definition.message_ref)
    if isinstance(definition, SignalEventDefinition):
        signal = definitions.signals.get(definition.signal_ref or "")
        name = _name(signal.name) if signal is not None else None
        return StartTrigger(process_id, start_id, "signal", name or definition.signal_ref)
    if isinstance(definition, TimerEventDefinition):
        return StartTrigger(process_id, start_id, "timer", timer=definition)
    if isinstance(definition, ConditionalEventDefinition):
        return StartTrigger(process_id, start_id, "conditional", condition=definition.condition)
    return None


def _message_trigger(
    definitions: Definitions, process_id: str, element_id: str, message_ref: str | None
) -> StartTrigger:
    message = definitions.messages.get(message_ref or "")
    name = _name(message.name) if message is not None else None
    return StartTrigger(process_id, element_id, "message", name or message_ref)


def _instantiating(definitions: Definitions, process: Process) -> list[StartTrigger]:
    """Message (and signal) triggers of instantiating receive tasks and of the events
    after instantiating event-based gateways; `start_event_id` names that element."""
    found: list[StartTrigger] = []
    for node in process.elements.values():
        if (
            not isinstance(node, ReceiveTask | EventBasedGateway)
            or not node.instantiate
            or node.incoming
            or node.parent != process.id
        ):
            continue
        if isinstance(node, ReceiveTask):
            found.append(_message_trigger(definitions, process.id, node.id, node.message_ref))
            continue
        for flow_id in node.outgoing:
            flow = process.flows.get(flow_id)
            target = process.elements.get(flow.target) if flow is not None else None
            if isinstance(target, ReceiveTask):
                found.append(
                    _message_trigger(definitions, process.id, target.id, target.message_ref)
                )
            elif isinstance(target, IntermediateCatchEvent):
                definition = target.definition
                if isinstance(definition, MessageEventDefinition):
                    found.append(
                        _message_trigger(definitions, process.id, target.id, definition.message_ref)
                    )
                elif isinstance(definition, SignalEventDefinition):
                    signal = definitions.signals.get(definition.signal_ref or "")
                    name = _name(signal.name) if signal is not None else None
                    found.append(
                        StartTrigger(process.id, target.id, "signal", name or definition.signal_ref)
                    )
    return found


def conditional_starts(
    definitions: Definitions,
    variables: Mapping[str, Any],
    ctx: Context,
    process_id: str | None = None,
) -> list[StartTrigger]:
    """The conditional start events whose condition holds for `variables` (Python or FEEL
    values), at most one per process (of `process_id` only, when given): the shell starts
    an instance at each, as Camunda's "evaluate start conditions" does. A condition that
    cannot be evaluated counts as false."""
    found: list[StartTrigger] = []
    started: set[str] = set()
    for trigger in start_triggers(definitions):
        if trigger.kind != "conditional" or trigger.condition is None:
            continue
        if trigger.process_id in started or process_id not in (None, trigger.process_id):
            continue
        try:
            value = evaluate(trigger.condition, variables, ctx)
        except ExpressionError:
            continue
        if value is True:
            found.append(trigger)
            started.add(trigger.process_id)
    return found
