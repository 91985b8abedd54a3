"""Commands: what the shell asks of an instance, one per step.

Each is a frozen dataclass; `step(state, command, ctx)` applies it and runs the instance
until every token waits. Ids name what an earlier effect created (a job, a user task, a
timer, a subscription, a call activity's element instance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regista.model.bpmn import Process

__all__ = [
    "Cancel",
    "ChildCompleted",
    "ChildEscalated",
    "ChildFailed",
    "ChildStartFailed",
    "Command",
    "CompleteJob",
    "CompleteUserTask",
    "CorrelateMessage",
    "FailJob",
    "FireTimer",
    "ResolveIncident",
    "SetJobRetries",
    "SetVariables",
    "StartInstance",
    "ThrowError",
    "TriggerElement",
    "TriggerSignal",
]


def _vars() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class StartInstance:
    """Start an instance of `process_id`: at `start_event_id` (a message, signal, timer or
    conditional start chosen by the shell) or at its none start event. `parent` is
    (parent instance id, call activity element instance id) for a called process."""

    process_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)
    start_event_id: str | None = None
    business_key: str | None = None
    instance_id: str | None = None
    parent: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class CompleteJob:
    """A worker finished the job `job_id` with these result variables."""

    job_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class FailJob:
    """A worker failed attempt `attempt` of the job. The engine decides what that means: a
    retry after a backoff while retries are left, else an incident. `retries` is what is
    left when the worker says so (Camunda's fail job); None: one fewer than before. The
    retry is claimable after `backoff` when the worker gives one, else after the context's."""

    job_id: str
    message: str
    retries: int | None = None
    attempt: int = 1
    backoff: dt.timedelta | None = None


@dataclass(frozen=True, slots=True)
class ThrowError:
    """A worker reports the BPMN error `code` for its job (caught by boundary events or
    event subprocesses)."""

    job_id: str
    code: str
    message: str = ""
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class CompleteUserTask:
    """A person completed the user task `task_id`."""

    task_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class CorrelateMessage:
    """A message matched the subscription `subscription_id` (name and key were matched by
    the shell)."""

    subscription_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class FireTimer:
    """The timer `timer_id` is due."""

    timer_id: str


@dataclass(frozen=True, slots=True)
class TriggerSignal:
    """A broadcast signal reached the subscription `subscription_id`."""

    subscription_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class TriggerElement:
    """Trigger the plain wait state `element_id` (a receive task without a message, as
    Camunda 7's `signal` and Flowable's `trigger` do): its oldest waiting instance, or the
    element instance `element_instance_id` when given, goes on with `variables`."""

    element_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)
    element_instance_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChildCompleted:
    """The instance started by the call activity `element_instance_id` completed."""

    element_instance_id: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class ChildFailed:
    """The called instance ended with the uncaught BPMN error `code`; it is thrown again
    from the call activity."""

    element_instance_id: str
    code: str
    message: str = ""
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class ChildStartFailed:
    """The shell could not start the instance the call activity `element_instance_id`
    asked for (the called process is not deployed, has no none start event, ...): an
    incident on the call activity, whose resolution asks for the start again."""

    element_instance_id: str
    message: str


@dataclass(frozen=True, slots=True)
class ChildEscalated:
    """The called instance threw the escalation `code` that nothing inside it caught; it is
    thrown again from the call activity (the child goes on)."""

    element_instance_id: str
    code: str
    variables: Mapping[str, Any] = field(default_factory=_vars)


@dataclass(frozen=True, slots=True)
class ResolveIncident:
    """Retry what failed: the expression, the job (created again), the runaway loop."""

    incident_id: str


@dataclass(frozen=True, slots=True)
class Cancel:
    """End the instance now, terminating every element."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class SetJobRetries:
    """An operator gives a job `retries` (Camunda's update job): what a failure without a
    count of its own counts down from."""

    job_id: str
    retries: int


@dataclass(frozen=True, slots=True)
class SetVariables:
    """Set variables on a scope (the instance by default), then remove the `deletions`
    from it (Camunda 7's variable modification); conditional events re-check. Not `local`:
    each goes where it is defined, looking up from the scope, else on the instance
    (Camunda 8's `local: false`)."""

    variables: Mapping[str, Any]
    scope_id: str | None = None
    deletions: tuple[str, ...] = ()
    local: bool = True


@dataclass(frozen=True, slots=True)
class Activate:
    """A modification instruction: a token arrives at `element_id` (its input mappings
    and behaviour run as usual), inside the running instance of its enclosing subprocess
    — `ancestor` names which one when several run. `variables` become local variables of
    that scope (the instance itself for a top-level element)."""

    element_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    ancestor: str | None = None


@dataclass(frozen=True, slots=True)
class Modify:
    """Move tokens (an operator's repair): activate elements, then terminate element
    instances — each named by its id, or by an element id for every running instance of
    that element. A subprocess left with nothing running is terminated as well; an
    instance left with nothing running ends as terminated."""

    activate: tuple[Activate, ...] = ()
    terminate: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Migrate:
    """Move the instance to the process `process_id` of the step's definitions (another
    version, as a rule): each live element instance becomes the element `mappings` names
    for it, or the element of the same id. `source` is the process the instance runs now
    (to check that each element keeps its type and its scope)."""

    process_id: str
    source: Process
    mappings: Mapping[str, str] = field(default_factory=dict)


Command = (
    StartInstance
    | CompleteJob
    | FailJob
    | ThrowError
    | CompleteUserTask
    | CorrelateMessage
    | FireTimer
    | TriggerSignal
    | TriggerElement
    | ChildCompleted
    | ChildFailed
    | ChildStartFailed
    | ChildEscalated
    | ResolveIncident
    | Cancel
    | SetVariables
    | SetJobRetries
    | Modify
    | Migrate
)
