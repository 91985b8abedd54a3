"""The shared root elements a built process refers to: messages, signals, errors and
escalations, created on first use and reused by name; and the value conventions of the
builder (`"=expr"` is FEEL, other strings are literals, conditions default to FEEL)."""

from __future__ import annotations

import re

from regista.bpmn.expressions import read_formal, read_value
from regista.model.bpmn import (
    CancelEventDefinition,
    CompensateEventDefinition,
    ConditionalEventDefinition,
    Error,
    ErrorEventDefinition,
    Escalation,
    EscalationEventDefinition,
    EventDefinition,
    Expression,
    LinkEventDefinition,
    Message,
    MessageEventDefinition,
    Signal,
    SignalEventDefinition,
    TerminateEventDefinition,
    TimerEventDefinition,
)

__all__ = ["BuilderError", "Catalog", "ValueLike", "slug", "to_formal", "to_value"]

ValueLike = str | Expression


class BuilderError(ValueError):
    """A builder call that cannot produce a valid model; the message says what to do."""


def to_value(value: ValueLike | None) -> Expression | None:
    """A builder value as an expression: `=expr` is FEEL, other text a literal."""
    if value is None or isinstance(value, Expression):
        return value
    return read_value(value)


def to_formal(value: ValueLike | None) -> Expression | None:
    """A builder condition as an expression: FEEL with or without the `=` marker."""
    if value is None or isinstance(value, Expression):
        return value
    return read_formal(value, None, "feel")


def slug(text: str) -> str:
    """`text` reduced to characters allowed in an XML id."""
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_.-")


class Catalog:
    """Messages, signals, errors and escalations by id, and event definitions using them."""

    def __init__(self) -> None:
        self.messages: dict[str, Message] = {}
        self.signals: dict[str, Signal] = {}
        self.errors: dict[str, Error] = {}
        self.escalations: dict[str, Escalation] = {}

    def message(self, name: str, *, correlation_key: ValueLike | None = None) -> str:
        """Define (or find) the message `name`; returns its id."""
        message_id = f"Message_{slug(name.lstrip('=')) or 'expr'}"
        existing = self.messages.get(message_id)
        key = to_value(correlation_key)
        if existing is None:
            self.messages[message_id] = Message(
                id=message_id, name=to_value(name), correlation_key=key
            )
        elif key is not None and existing.correlation_key != key:
            if existing.correlation_key is not None:
                raise BuilderError(f"the message '{name}' already has another correlation key")
            self.messages[message_id] = Message(
                id=message_id, name=existing.name, correlation_key=key
            )
        return message_id

    def signal(self, name: str) -> str:
        """Define (or find) the signal `name`; returns its id."""
        signal_id = f"Signal_{slug(name.lstrip('=')) or 'expr'}"
        self.signals.setdefault(signal_id, Signal(id=signal_id, name=to_value(name)))
        return signal_id

    def error(self, code: str, name: str | None = None) -> str:
        """Define (or find) the error with `code`; returns its id."""
        error_id = f"Error_{slug(code.lstrip('=')) or 'expr'}"
        self.errors.setdefault(error_id, Error(id=error_id, name=name or code, code=to_value(code)))
        return error_id

    def escalation(self, code: str, name: str | None = None) -> str:
        """Define (or find) the escalation with `code`; returns its id."""
        esc_id = f"Escalation_{slug(code.lstrip('=')) or 'expr'}"
        self.escalations.setdefault(
            esc_id, Escalation(id=esc_id, name=name or code, code=to_value(code))
        )
        return esc_id

    def event_definitions(
        self,
        *,
        message: str | None = None,
        correlation_key: ValueLike | None = None,
        duration: ValueLike | None = None,
        date: ValueLike | None = None,
        cycle: ValueLike | None = None,
        signal: str | None = None,
        error: str | bool | None = None,
        escalation: str | bool | None = None,
        condition: ValueLike | None = None,
        link: str | None = None,
        compensate: str | bool | None = None,
        terminate: bool = False,
        cancel: bool = False,
    ) -> tuple[EventDefinition, ...]:
        found: list[EventDefinition] = []
        if message is not None:
            found.append(
                MessageEventDefinition(
                    message_ref=self.message(message, correlation_key=correlation_key)
                )
            )
        if duration is not None or date is not None or cycle is not None:
            found.append(
                TimerEventDefinition(
                    time_date=to_value(date),
                    time_duration=to_value(duration),
                    time_cycle=to_value(cycle),
                )
            )
        if signal is not None:
            found.append(SignalEventDefinition(signal_ref=self.signal(signal)))
        if error is not None and error is not False:
            ref = self.error(error) if isinstance(error, str) else None
            found.append(ErrorEventDefinition(error_ref=ref))
        if escalation is not None and escalation is not False:
            ref = self.escalation(escalation) if isinstance(escalation, str) else None
            found.append(EscalationEventDefinition(escalation_ref=ref))
        if condition is not None:
            found.append(ConditionalEventDefinition(condition=to_formal(condition)))
        if link is not None:
            found.append(LinkEventDefinition(name=link))
        if compensate is not None and compensate is not False:
            activity = compensate if isinstance(compensate, str) else None
            found.append(CompensateEventDefinition(activity_ref=activity))
        if terminate:
            found.append(TerminateEventDefinition())
        if cancel:
            found.append(CancelEventDefinition())
        return tuple(found)
