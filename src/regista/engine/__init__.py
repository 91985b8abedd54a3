"""The functional core: `step(state, command, ctx) -> (state, effects)`.

    >>> from regista.engine import Context, StartInstance, step
    >>> state, effects = step(None, StartInstance("order", {"amount": 120}), ctx)  # doctest: +SKIP

The core is pure — no I/O, no clock, no randomness: time and ids come in through `Context`,
and what must happen outside (jobs, user tasks, timers, subscriptions, child instances,
incidents, history) goes out as effects. An `InstanceState` serialises to versioned JSON
at any wait point (`to_json` / `from_json`) and resumes identically.
"""

from __future__ import annotations

from regista.engine import expressions
from regista.engine.activities import ASYNC_CONTINUATION
from regista.engine.codec import decode_value, encode_value
from regista.engine.commands import (
    Activate,
    Cancel,
    ChildCompleted,
    ChildEscalated,
    ChildFailed,
    ChildStartFailed,
    Command,
    CompleteJob,
    CompleteUserTask,
    CorrelateMessage,
    FailJob,
    FireTimer,
    Migrate,
    Modify,
    ResolveIncident,
    SetJobRetries,
    SetVariables,
    StartInstance,
    ThrowError,
    TriggerElement,
    TriggerSignal,
)
from regista.engine.context import Context
from regista.engine.core import step
from regista.engine.effects import (
    BroadcastSignal,
    CancelChild,
    CancelJob,
    CancelTimer,
    CancelUserTask,
    CloseSubscription,
    CreateJob,
    CreateUserTask,
    Effect,
    History,
    InstanceEnded,
    InstanceMigrated,
    NotifyParent,
    OpenSubscription,
    PublishMessage,
    RaiseIncident,
    ResolveIncidentEffect,
    RetryJob,
    ScheduleTimer,
    StartChild,
)
from regista.engine.errors import CommandRejected, EngineError, ExpressionError
from regista.engine.state import (
    ENDED,
    RUNNING,
    ElementInstance,
    Incident,
    InstanceState,
    Status,
    Wait,
)
from regista.engine.triggers import StartTrigger, conditional_starts, start_triggers

__all__ = [
    "ASYNC_CONTINUATION",
    "ENDED",
    "RUNNING",
    "Activate",
    "BroadcastSignal",
    "Cancel",
    "CancelChild",
    "CancelJob",
    "CancelTimer",
    "CancelUserTask",
    "ChildCompleted",
    "ChildEscalated",
    "ChildFailed",
    "ChildStartFailed",
    "CloseSubscription",
    "Command",
    "CommandRejected",
    "CompleteJob",
    "CompleteUserTask",
    "Context",
    "CorrelateMessage",
    "CreateJob",
    "CreateUserTask",
    "Effect",
    "ElementInstance",
    "EngineError",
    "ExpressionError",
    "FailJob",
    "FireTimer",
    "History",
    "Incident",
    "InstanceEnded",
    "InstanceMigrated",
    "InstanceState",
    "Migrate",
    "Modify",
    "NotifyParent",
    "OpenSubscription",
    "PublishMessage",
    "RaiseIncident",
    "ResolveIncident",
    "ResolveIncidentEffect",
    "RetryJob",
    "ScheduleTimer",
    "SetJobRetries",
    "SetVariables",
    "StartChild",
    "StartInstance",
    "StartTrigger",
    "Status",
    "ThrowError",
    "TriggerElement",
    "TriggerSignal",
    "Wait",
    "conditional_starts",
    "decode_value",
    "encode_value",
    "expressions",
    "start_triggers",
    "step",
]
