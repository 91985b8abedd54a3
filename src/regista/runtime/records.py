"""What the in-memory runtime keeps besides instance states: the waiting work (jobs, user
tasks, timers, subscriptions) and the read-only views it hands out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regista.runtime.clock import Cycle

__all__ = [
    "BufferedMessage",
    "HistoryEntry",
    "IncidentView",
    "InstanceView",
    "JobRecord",
    "MemoryRuntimeError",
    "StartTimer",
    "SubscriptionRecord",
    "TimerRecord",
    "UserTaskRecord",
]


class MemoryRuntimeError(ValueError):
    """A request the runtime cannot carry out (nothing waits at that element, no such
    instance, ...); the message says what is there instead."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One history event of an instance, stamped with the time of the step."""

    time: dt.datetime
    instance_id: str
    kind: str
    element_id: str | None
    element_instance_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An open incident: where it happened and why."""

    id: str
    instance_id: str
    element_id: str
    message: str
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceView:
    """A snapshot of an instance in plain Python: status, root variables, the elements
    holding a waiting token, those completed (in order), incidents and history."""

    id: str
    process_id: str
    business_key: str | None
    status: str
    variables: dict[str, Any]
    active: list[str]
    passed: list[str]
    incidents: list[IncidentView]
    history: list[HistoryEntry]
    parent_id: str | None = None
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job waiting for a worker (or for `complete_job`)."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    type: str
    retries: int
    headers: Mapping[str, str]
    variables: Mapping[str, Any]
    seq: int


@dataclass(frozen=True, slots=True)
class UserTaskRecord:
    """A user (or manual) task waiting to be completed."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    name: str | None
    assignee: str | None
    candidate_users: tuple[str, ...]
    candidate_groups: tuple[str, ...]
    due_date: Any
    follow_up_date: Any
    form_key: str | None
    variables: Mapping[str, Any]
    seq: int


@dataclass(frozen=True, slots=True)
class StartTimer:
    """A timer start event the runtime owns: which process it starts, and its cycle."""

    process_id: str
    start_event_id: str
    deployment_id: str
    cycle: Cycle | None = None


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """A scheduled timer: of an instance (fired with `FireTimer`) or a process start."""

    id: str
    due: dt.datetime
    seq: int
    element_id: str
    instance_id: str | None = None
    element_instance_id: str | None = None
    repeat: str | None = None
    start: StartTimer | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """An open message or signal subscription of an instance."""

    id: str
    instance_id: str
    kind: str
    name: str
    correlation_key: str | None
    element_id: str
    element_instance_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class BufferedMessage:
    """A message nobody waited for, kept until `expires` for a subscription that opens."""

    name: str
    correlation_key: str | None
    variables: Mapping[str, Any]
    expires: dt.datetime
