"""The rows of the store as frozen values.

These mirror the engine's effects (CreateJob, CreateUserTask, ScheduleTimer, OpenSubscription,
RaiseIncident, History) without importing the engine: the runtime maps effects to store calls.
All datetimes are aware and in UTC; JSON columns come back as plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

InstanceStatus = str
"""`active`, `completed`, `terminated`, `incident`, `cancelled` — whatever the engine says."""

JobStatus = Literal["ready", "claimed", "completed", "failed", "cancelled"]
UserTaskStatus = Literal["open", "completed", "cancelled"]
SubscriptionKind = Literal["message", "signal"]


class Outcome(StrEnum):
    """What a completion or failure report did to the row it names."""

    APPLIED = "applied"
    """The report was accepted and the row changed; apply it to the instance."""
    DUPLICATE = "duplicate"
    """The same thing was already reported; harmless, do nothing more."""
    STALE = "stale"
    """The report belongs to an older attempt (or the job is no longer held); ignore it."""
    MISSING = "missing"
    """No such row (it was cancelled and removed, or never existed)."""


@dataclass(frozen=True, slots=True)
class Definition:
    """One deployed version of one process (or decision) definition."""

    id: str
    process_id: str
    version: int
    sha256: str
    source: str
    resource_name: str | None
    deployed_at: datetime
    trust: str = "untrusted"
    """'untrusted' (no Python), 'trusted' (Python, restricted builtins) or 'full'."""
    deployed_by: str | None = None

    @property
    def trusted(self) -> bool:
        """Whether Python scripts and expressions of this version may run."""
        return self.trust != "untrusted"


@dataclass(frozen=True, slots=True)
class Instance:
    """A process instance row: the engine's state JSON plus what is queried by column."""

    id: str
    definition_id: str
    process_id: str
    business_key: str | None
    status: InstanceStatus
    state: dict[str, Any]
    version: int
    parent_instance_id: str | None
    parent_element_instance_id: str | None
    idempotency_key: str | None
    started_at: datetime
    ended_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    """Work for a worker: a service/send/script task or an async continuation."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    type: str
    retries: int
    attempt: int
    """Incremented by every claim; a report must carry the attempt it was claimed with."""
    status: JobStatus
    lease_owner: str | None
    lease_until: datetime | None
    due_at: datetime
    """Not claimable before this (retry backoff)."""
    variables: dict[str, Any]
    headers: dict[str, str]
    error: str | None
    created_at: datetime
    completed_at: datetime | None
    error_details: str | None = None
    """What the worker said beside `error` (Camunda 7's `errorDetails`)."""


@dataclass(frozen=True, slots=True)
class Timer:
    """A scheduled timer; the runtime fires it with `FireTimer(id)` once due."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    due_at: datetime
    repeat: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserTask:
    """Work for a person."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    name: str | None
    assignee: str | None
    candidate_users: tuple[str, ...]
    candidate_groups: tuple[str, ...]
    due_at: datetime | None
    follow_up_at: datetime | None
    form_key: str | None
    status: UserTaskStatus
    variables: dict[str, Any]
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    priority: int = 50


@dataclass(frozen=True, slots=True)
class Subscription:
    """An instance waiting for a message (by name and correlation key) or a signal."""

    id: str
    instance_id: str
    kind: SubscriptionKind
    name: str
    correlation_key: str | None
    element_id: str
    element_instance_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BufferedMessage:
    """A published message no instance was waiting for yet, kept until it expires."""

    id: str
    name: str
    correlation_key: str | None
    variables: dict[str, Any]
    published_at: datetime
    expires_at: datetime
    consumed_by: str | None
    consumed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Incident:
    """Something an operator must look at: a job out of retries, a failed expression, ..."""

    id: str
    instance_id: str
    element_id: str | None
    element_instance_id: str | None
    job_id: str | None
    message: str
    created_at: datetime
    resolved_at: datetime | None
    error_type: str = "UNKNOWN"
    """What kind of problem, as Camunda 8 names it (JOB_NO_RETRIES, ...)."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A history event to append; the store numbers and hashes it."""

    kind: str
    ts: datetime
    element_id: str | None = None
    element_instance_id: str | None = None
    actor: str | None = None
    """Who caused it: a user id, a worker id, or None for the engine."""
    command: str | None = None
    """The command that caused it (e.g. `CompleteJob`)."""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """A stored history event: append-only, chained by SHA-256 per instance."""

    id: int
    instance_id: str
    seq: int
    ts: datetime
    kind: str
    element_id: str | None
    element_instance_id: str | None
    actor: str | None
    command: str | None
    data: dict[str, Any]
    prev_hash: str | None
    hash: str


@dataclass(frozen=True, slots=True)
class HistoryHead:
    """The head of one instance's history chain: how many events it has (`seq` of the
    last) and the hash of the last. Kept beside the history, so a missing tail is found."""

    instance_id: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first place where a history chain does not verify."""

    instance_id: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"instance {self.instance_id}, event #{self.seq}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Node:
    """An engine node that announced itself to the store."""

    id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class InstanceKeys:
    """What a worker may want to know about the instance of its job."""

    process_id: str
    business_key: str | None


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows a prune removed, by table; `last` is the end time and id of the last
    instance it removed (where the next batch of the same run picks up). `last` and
    `batches` are not compared."""

    instances: int = 0
    history: int = 0
    jobs: int = 0
    timers: int = 0
    user_tasks: int = 0
    subscriptions: int = 0
    incidents: int = 0
    last: tuple[datetime, str] | None = field(default=None, compare=False)
    batches: int = field(default=0, compare=False)
    """How many transactions a run took (counted by `runtime.retention.prune`)."""

    def __add__(self, other: Pruned) -> Pruned:
        counts = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in _COUNTED}
        return Pruned(**counts, last=other.last or self.last, batches=self.batches + other.batches)

    def __str__(self) -> str:
        return (
            f"{self.instances} instance(s), {self.history} history event(s), {self.jobs} "
            f"job(s), {self.user_tasks} user task(s), {self.incidents} incident(s), "
            f"{self.timers} timer(s), {self.subscriptions} subscription(s)"
        )


_COUNTED = [f for f in fields(Pruned) if f.name not in ("last", "batches")]


@dataclass(frozen=True, slots=True)
class Gauges:
    """What runs now, counted for metrics when they are scraped (`Store.gauges`)."""

    instances: Mapping[tuple[str, str], int]
    """Running instances by (process id, status active or incident)."""
    tokens: Mapping[tuple[str, str], int]
    """Tokens waiting at an element (on a job, a user task, a timer, a message or signal
    subscription, or stopped by an incident) by (process id, element id)."""
    jobs: Mapping[str, tuple[int, datetime | None]]
    """Jobs that may be activated now (ready and due, or with a lease that ran out) by
    type: how many, and since when the oldest waits (its due time, or the end of its
    lease): the queue's lag. The runtime's own outbox types included."""
    incidents: Mapping[tuple[str, str], int]
    """Open incidents by (process id, error type)."""
