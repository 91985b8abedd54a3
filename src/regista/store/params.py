"""Parameter objects: the rows the runtime asks the store to write, as frozen values.

Each names the columns of one insert (or of the instance update), so that a call reads
`tx.insert_job(NewJob(...), now=now)` rather than a dozen keyword arguments. Values must be
JSON-safe (the engine's `to_json` forms); times must be timezone-aware. The time of the
write (`now`: created, started, updated) is passed beside the object, by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from regista.store.records import SubscriptionKind
from regista.store.variables import VariableCondition

__all__ = [
    "IncidentQuery",
    "InstanceQuery",
    "InstanceUpdate",
    "JobQuery",
    "NewIncident",
    "NewInstance",
    "NewJob",
    "NewMessage",
    "NewSubscription",
    "NewTimer",
    "NewUserTask",
]


def _empty() -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class NewInstance:
    """A process instance, inserted at version 1.

    With `latest`, it is inserted only if `definition_id` is the latest version of
    `process_id` (see `Transaction.insert_instance`).
    """

    id: str
    definition_id: str
    process_id: str
    state: Mapping[str, Any]
    status: str = "active"
    business_key: str | None = None
    parent_instance_id: str | None = None
    parent_element_instance_id: str | None = None
    idempotency_key: str | None = None
    ended_at: datetime | None = None
    latest: bool = False


@dataclass(frozen=True, slots=True)
class InstanceUpdate:
    """A new state of an instance, written if its row is still at `expected_version`.

    With `deferred`, a store may send the update with the commit and raise the
    `VersionConflict` from the commit instead (see `Transaction.update_instance`). With
    `same_status`, the caller knows the row already holds `status` (and `ended_at` is None):
    a store may then leave the status and end columns, and their indexes, untouched.
    """

    id: str
    state: Mapping[str, Any]
    status: str
    expected_version: int
    ended_at: datetime | None = None
    deferred: bool = False
    same_status: bool = False


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job ready to be claimed at `due_at` (default: now) — or, with `lease_owner` and
    `lease_until`, already claimed by that worker (attempt 1)."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    type: str
    retries: int
    variables: Mapping[str, Any] = field(default_factory=_empty)
    headers: Mapping[str, str] = field(default_factory=dict)
    due_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None

    def __post_init__(self) -> None:
        if (self.lease_owner is None) != (self.lease_until is None):
            raise ValueError("a job inserted claimed needs both lease_owner and lease_until")

    @property
    def claimed(self) -> bool:
        """Whether the job is inserted already leased to `lease_owner`."""
        return self.lease_owner is not None


@dataclass(frozen=True, slots=True)
class NewTimer:
    """A timer due at `due_at`; `repeat` is the cycle left, for display and start timers."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    due_at: datetime
    repeat: str | None = None


@dataclass(frozen=True, slots=True)
class NewUserTask:
    """A task for a person."""

    id: str
    instance_id: str
    element_id: str
    element_instance_id: str
    name: str | None = None
    assignee: str | None = None
    candidate_users: Sequence[str] = ()
    candidate_groups: Sequence[str] = ()
    due_at: datetime | None = None
    follow_up_at: datetime | None = None
    form_key: str | None = None
    variables: Mapping[str, Any] = field(default_factory=_empty)
    priority: int = 50


@dataclass(frozen=True, slots=True)
class NewSubscription:
    """A message or signal subscription of an instance; `correlation_key` None is no key."""

    id: str
    instance_id: str
    kind: SubscriptionKind
    name: str
    correlation_key: str | None
    element_id: str
    element_instance_id: str


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message nobody waits for yet, kept until `expires_at`."""

    id: str
    name: str
    correlation_key: str | None
    variables: Mapping[str, Any]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewIncident:
    """Something that needs a person, of an instance (at an element, of a job)."""

    id: str
    instance_id: str
    message: str
    element_id: str | None = None
    element_instance_id: str | None = None
    job_id: str | None = None
    error_type: str = "UNKNOWN"
    """What kind of problem, as Camunda 8 names it (JOB_NO_RETRIES, ...)."""


@dataclass(frozen=True, slots=True)
class InstanceQuery:
    """Which instances a page of a search holds: the filters (None: any), the order
    (`started`: start time then id; `key`: id) and where the page starts — after the row
    with `after_id` (and `after_started` for the start time order) for keyset paging, or
    `offset` rows in. `variables`: conditions the instance's own variables (those of its
    top scope) must each meet."""

    instance_id: str | None = None
    process_id: str | None = None
    definition_id: str | None = None
    parent_instance_id: str | None = None
    business_key: str | None = None
    """Checked on the rows an index walk meets (few instances share a business key)."""
    statuses: Sequence[str] | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    ended_from: datetime | None = None
    ended_to: datetime | None = None
    variables: tuple[VariableCondition, ...] = ()
    order: Literal["started", "key"] = "started"
    descending: bool = False
    after_id: str | None = None
    after_started: datetime | None = None
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """Which incidents a page of a search holds, oldest first (or newest with
    `descending`); keyset paging after (`after_created`, `after_id`), or `offset` rows in.
    `resolved` None: open and resolved ones. `process_id` and `definition_id` filter by the
    incident's instance; `created_from`/`created_to` bound the creation time (inclusive).
    `error_types`: one of these types (as Camunda 8 names them,
    `engine.errors.INCIDENT_TYPES`); None: any."""

    incident_id: str | None = None
    instance_id: str | None = None
    element_id: str | None = None
    element_instance_id: str | None = None
    job_id: str | None = None
    process_id: str | None = None
    definition_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    resolved: bool | None = None
    error_types: tuple[str, ...] | None = None
    descending: bool = False
    after_id: str | None = None
    after_created: datetime | None = None
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs a page of a search holds, by key (`descending`: newest key first); keyset
    paging after `after_id`, or `offset` rows in. Jobs of the runtime's own types
    (`regista:...`) are never listed. `process_id` and `definition_id` filter by the job's
    instance; `retried` None: any, True: jobs that failed and wait for a retry (ready, with
    an error), False: the others; `retries_from`/`retries_to` bound the retries left
    (inclusive)."""

    job_id: str | None = None
    type: str | None = None
    worker: str | None = None
    statuses: Sequence[str] | None = None
    instance_id: str | None = None
    process_id: str | None = None
    definition_id: str | None = None
    element_id: str | None = None
    element_instance_id: str | None = None
    retries: int | None = None
    retries_from: int | None = None
    retries_to: int | None = None
    retried: bool | None = None
    descending: bool = False
    after_id: str | None = None
    offset: int = 0
    limit: int = 100
