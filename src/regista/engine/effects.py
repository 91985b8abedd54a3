"""Effects: what a step asks the shell to carry out, as data.

The shell creates the jobs and user tasks, schedules timers (and later sends `FireTimer`),
opens message/signal subscriptions, starts called instances, raises incidents and appends
`History` events. Variables in effects are FEEL values (`regista.feel.values.to_python`
turns them into plain Python).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from regista.engine.state import Status

__all__ = [
    "BroadcastSignal",
    "CancelChild",
    "CancelJob",
    "CancelTimer",
    "CancelUserTask",
    "CloseSubscription",
    "CreateJob",
    "CreateUserTask",
    "Effect",
    "History",
    "InstanceEnded",
    "NotifyParent",
    "OpenSubscription",
    "PublishMessage",
    "RaiseIncident",
    "ResolveIncidentEffect",
    "RetryJob",
    "ScheduleTimer",
    "StartChild",
]


@dataclass(frozen=True, slots=True)
class CreateJob:
    """Create a job for workers of `type`; `variables` are those visible at the element."""

    job_id: str
    element_id: str
    element_instance_id: str
    type: str
    retries: int
    headers: Mapping[str, str]
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RetryJob:
    """The failed job runs again: claimable from `due` (after a backoff), with `retries`
    left. (A failed job the engine does not retry stays failed behind a `RaiseIncident`.)"""

    job_id: str
    retries: int
    due: dt.datetime


@dataclass(frozen=True, slots=True)
class CancelJob:
    """The job is no longer wanted (its element was terminated)."""

    job_id: str


@dataclass(frozen=True, slots=True)
class CreateUserTask:
    """Create a task for a person; dates are aware datetimes or None."""

    task_id: str
    element_id: str
    element_instance_id: str
    name: str | None
    assignee: str | None
    candidate_users: tuple[str, ...]
    candidate_groups: tuple[str, ...]
    due_date: dt.datetime | None
    follow_up_date: dt.datetime | None
    form_key: str | None
    variables: Mapping[str, Any]
    priority: int = 50


@dataclass(frozen=True, slots=True)
class CancelUserTask:
    """The user task is no longer wanted."""

    task_id: str


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    """Send `FireTimer(timer_id)` at `due`. A repeating timer is scheduled again by the
    engine (same `timer_id`, next due) after each firing; `repeat` is the cycle, for
    display."""

    timer_id: str
    element_id: str
    element_instance_id: str
    due: dt.datetime
    repeat: str | None = None


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Forget the timer."""

    timer_id: str


@dataclass(frozen=True, slots=True)
class OpenSubscription:
    """Route messages `name` with `correlation_key` (or signals `name`) to this instance
    as `CorrelateMessage` / `TriggerSignal` with this `subscription_id`."""

    subscription_id: str
    kind: Literal["message", "signal"]
    name: str
    correlation_key: str | None
    element_id: str
    element_instance_id: str


@dataclass(frozen=True, slots=True)
class CloseSubscription:
    """Stop routing to the subscription."""

    subscription_id: str


@dataclass(frozen=True, slots=True)
class PublishMessage:
    """Publish a message (a message throw event or a send task without a job)."""

    name: str
    correlation_key: str | None
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BroadcastSignal:
    """Broadcast a signal to every subscription of that name (this instance's included)."""

    name: str
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StartChild:
    """Start an instance of `process_id` for the call activity `element_instance_id`; the
    shell reports its end with `ChildCompleted` / `ChildFailed`, or `ChildStartFailed` when
    it cannot start it."""

    element_instance_id: str
    process_id: str
    variables: Mapping[str, Any]
    business_key: str | None


@dataclass(frozen=True, slots=True)
class CancelChild:
    """The call activity `element_instance_id` was terminated: cancel the instance it
    started."""

    element_instance_id: str


@dataclass(frozen=True, slots=True)
class NotifyParent:
    """This called instance ended (or escalated): tell the parent's call activity."""

    parent_instance_id: str
    parent_element_instance_id: str
    outcome: Literal["completed", "error", "escalation", "terminated"]
    variables: Mapping[str, Any]
    code: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class RaiseIncident:
    """Something needs a person: the instance waits at the element until resolved."""

    incident_id: str
    element_id: str
    element_instance_id: str | None
    message: str
    job_id: str | None = None
    error_type: str = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class ResolveIncidentEffect:
    """The incident was resolved."""

    incident_id: str


@dataclass(frozen=True, slots=True)
class InstanceEnded:
    """The instance ended with `status` (completed, terminated, cancelled)."""

    status: Status


@dataclass(frozen=True, slots=True)
class InstanceMigrated:
    """The instance now runs the process `process_id`; `rows` gives the new element id of
    what it waits for whose element changed (job, user task, timer, subscription and
    incident ids -> element id)."""

    process_id: str
    rows: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class History:
    """An audit event: element activated/completed/terminated, variable set, instance
    started/ended, incident raised/resolved. `data` holds FEEL values."""

    kind: str
    element_id: str | None
    element_instance_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


Effect = (
    CreateJob
    | RetryJob
    | CancelJob
    | CreateUserTask
    | CancelUserTask
    | ScheduleTimer
    | CancelTimer
    | OpenSubscription
    | CloseSubscription
    | PublishMessage
    | BroadcastSignal
    | StartChild
    | CancelChild
    | NotifyParent
    | RaiseIncident
    | ResolveIncidentEffect
    | InstanceEnded
    | InstanceMigrated
    | History
)
