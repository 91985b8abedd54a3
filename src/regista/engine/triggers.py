"""The start events the shell watches for: messages, signals, timers and conditions.

A process with such start events is started by the shell (with `StartInstance(...,
start_event_id=...)`) when the message arrives, the signal is broadcast, the timer is due
or the condition holds; `start_triggers` lists them for every process of a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from regista.model.bpmn import (
    ConditionalEventDefinition,
    Definitions,
    Expression,
    MessageEventDefinition,
    SignalEventDefinition,
    StartEvent,
    TimerEventDefinition,
)

__all__ = ["StartTrigger", "start_triggers"]

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
        from regista import feel

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
            definition = node.definition
            if isinstance(definition, MessageEventDefinition):
                message = definitions.messages.get(definition.message_ref or "")
                name = _name(message.name) if message is not None else None
                found.append(
                    StartTrigger(process.id, start_id, "message", name or definition.message_ref)
                )
            elif isinstance(definition, SignalEventDefinition):
                signal = definitions.signals.get(definition.signal_ref or "")
                name = _name(signal.name) if signal is not None else None
                found.append(
                    StartTrigger(process.id, start_id, "signal", name or definition.signal_ref)
                )
            elif isinstance(definition, TimerEventDefinition):
                found.append(StartTrigger(process.id, start_id, "timer", timer=definition))
            elif isinstance(definition, ConditionalEventDefinition):
                found.append(
                    StartTrigger(
                        process.id, start_id, "conditional", condition=definition.condition
                    )
                )
            else:
                found.append(StartTrigger(process.id, start_id, "none"))
    return found
