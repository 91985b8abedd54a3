"""The state of a process instance: a tree of element instances, as a value.

The root element instance is the process instance itself (its id is the instance id);
subprocesses, multi-instance bodies and event subprocesses are element instances that hold
children and variables, so the instance is a tree of scopes. Each scope counts the tokens
waiting at its joining gateways per incoming flow, which makes a join O(1) per arrival.

`Wait` records what the instance waits for outside itself (jobs, user tasks, timers,
message/signal subscriptions, conditions), keyed by the id the shell was given.

A step never changes the state it was given: it works on `copy()`, which shares every
element instance until the step first changes it (copy on write), so a step costs what it
touches, not the size of the instance. `to_json` gives a versioned, deterministic,
JSON-safe document that `from_json` reads back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from regista.engine.codec import decode_value, encode_value

__all__ = [
    "ENDED",
    "FORMAT_VERSION",
    "RUNNING",
    "ElementInstance",
    "Incident",
    "InstanceState",
    "Status",
    "Wait",
]

#: Version of the JSON document written by `InstanceState.to_json`.
FORMAT_VERSION = 1


class Status(StrEnum):
    """The status of a process instance; an element instance is only active or stopped by
    an incident. A `StrEnum`: stored, compared and shown as its text."""

    ACTIVE = "active"
    INCIDENT = "incident"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


#: The statuses of an instance that has ended: no command applies to it any more.
ENDED: frozenset[Status] = frozenset({Status.COMPLETED, Status.TERMINATED, Status.CANCELLED})
#: The statuses of an instance that has not ended.
RUNNING: tuple[Status, ...] = (Status.ACTIVE, Status.INCIDENT)

WaitKind = Literal["job", "user_task", "timer", "message", "signal", "condition"]


@dataclass(frozen=True, slots=True)
class Incident:
    """A problem the instance waits on until someone resolves it.

    `phase` says what `ResolveIncident` retries: "activate" (run the element again),
    "complete" (apply its output mappings again), "job" (create the job again) or "loop"
    (resume the work a runaway-loop guard stopped).
    """

    id: str
    element_id: str
    element_instance_id: str | None
    message: str
    job_id: str | None = None
    phase: str = "activate"
    error_type: str = "UNKNOWN"
    """Its type as Camunda 8 names it (`engine.errors.INCIDENT_TYPES`)."""


@dataclass(frozen=True, slots=True)
class Wait:
    """Something the instance waits for outside itself.

    `owner` is the element instance whose life bounds the wait (a task for its job, an
    activity for its boundary events, a scope for its event subprocesses, an event-based
    gateway for its events); `element_id` is the element the wait triggers.
    """

    id: str
    kind: WaitKind
    owner: str
    element_id: str
    name: str | None = None
    key: str | None = None
    due: dt.datetime | None = None
    cycle: str | None = None
    remaining: int | None = None
    retries: int | None = None
    last: bool | None = None


class ElementInstance:
    """One activation of a flow node (or the process itself, with `role` "process").

    `wait` names what a waiting token waits for ("job", "user_task", "message", "timer",
    "signal", "condition", "child", "events", "compensation", "async" for an asynchronous
    continuation, "trigger" for a receive task without a message), None while it runs or for a
    scope, which holds `children` instead. `variables` are its local variables, `joins`
    the tokens waiting at its joining gateways (gateway id -> flow id -> count), `waits`
    the ids of the `Wait`s it owns, `data` small per-kind facts (JSON values), `gen` the
    generation of the scope (tokens in flight from an older generation are dropped).
    """

    __slots__ = (
        "children",
        "data",
        "element_id",
        "epoch",
        "gen",
        "id",
        "joins",
        "parent",
        "role",
        "status",
        "variables",
        "wait",
        "waits",
    )

    def __init__(
        self,
        id: str,
        element_id: str,
        parent: str | None,
        epoch: object,
        role: str = "",
    ) -> None:
        self.id = id
        self.element_id = element_id
        self.parent = parent
        self.role = role
        self.status = Status.ACTIVE
        self.wait: str | None = None
        self.variables: dict[str, Any] | None = None
        self.children: dict[str, None] | None = None
        self.joins: dict[str, dict[str, int]] | None = None
        self.waits: list[str] | None = None
        self.data: dict[str, Any] | None = None
        self.gen = 0
        self.epoch = epoch

    def clone(self, epoch: object) -> ElementInstance:
        """A copy owned by `epoch`, sharing nothing mutable with this one."""
        other = ElementInstance(self.id, self.element_id, self.parent, epoch, self.role)
        other.status = self.status
        other.wait = self.wait
        other.gen = self.gen
        if self.variables is not None:
            other.variables = dict(self.variables)
        if self.children is not None:
            other.children = dict(self.children)
        if self.joins is not None:
            other.joins = {k: dict(v) for k, v in self.joins.items()}
        if self.waits is not None:
            other.waits = list(self.waits)
        if self.data is not None:
            # Lists in `data` (multi-instance outputs) are changed in place: copy them too.
            other.data = {k: list(v) if type(v) is list else v for k, v in self.data.items()}
        return other

    def __repr__(self) -> str:
        return f"ElementInstance({self.element_id!r}, id={self.id!r}, wait={self.wait!r})"

    def to_json(self) -> dict[str, Any]:
        """The JSON form (empty parts left out)."""
        out: dict[str, Any] = {"id": self.id, "element_id": self.element_id}
        if self.parent is not None:
            out["parent"] = self.parent
        if self.role:
            out["role"] = self.role
        if self.status != Status.ACTIVE:
            out["status"] = self.status.value
        if self.wait is not None:
            out["wait"] = self.wait
        if self.variables:
            out["variables"] = {k: encode_value(v) for k, v in self.variables.items()}
        if self.children is not None:
            out["children"] = list(self.children)
        if self.joins:
            out["joins"] = self.joins
        if self.waits:
            out["waits"] = list(self.waits)
        if self.data:
            out["data"] = {k: encode_value(v) for k, v in self.data.items()}
        if self.gen:
            out["gen"] = self.gen
        return out

    @staticmethod
    def from_json(data: dict[str, Any], epoch: object) -> ElementInstance:
        """Read back what `to_json` wrote."""
        ei = ElementInstance(
            data["id"], data["element_id"], data.get("parent"), epoch, data.get("role", "")
        )
        if "status" in data:
            ei.status = Status(data["status"])
        ei.wait = data.get("wait")
        if "variables" in data:
            ei.variables = {k: decode_value(v) for k, v in data["variables"].items()}
        if "children" in data:
            ei.children = dict.fromkeys(data["children"])
        if "joins" in data:
            ei.joins = {g: {f: int(n) for f, n in c.items()} for g, c in data["joins"].items()}
        if "waits" in data:
            ei.waits = list(data["waits"])
        if "data" in data:
            ei.data = {k: decode_value(v) for k, v in data["data"].items()}
        ei.gen = int(data.get("gen", 0))
        return ei


class InstanceState:
    """A process instance at rest: status, element instance tree, waits, incidents.

    `passed` lists completed element ids in completion order; `incidents` the open
    incidents. Read variables with `variables()`, waiting elements with
    `active_elements()`.
    """

    __slots__ = (
        "business_key",
        "conditions",
        "epoch",
        "id",
        "incidents",
        "instances",
        "parent",
        "passed",
        "pending",
        "process_id",
        "status",
        "waits",
    )

    def __init__(
        self,
        id: str,
        process_id: str,
        business_key: str | None = None,
        parent: tuple[str, str] | None = None,
    ) -> None:
        self.id = id
        self.process_id = process_id
        self.business_key = business_key
        self.parent = parent
        self.status = Status.ACTIVE
        self.epoch = object()
        self.instances: dict[str, ElementInstance] = {}
        self.waits: dict[str, Wait] = {}
        self.conditions: dict[str, None] = {}
        self.incidents: list[Incident] = []
        self.passed: list[str] = []
        self.pending: list[list[Any]] = []

    # -- reading ----------------------------------------------------------------------------

    @property
    def root(self) -> ElementInstance:
        """The element instance of the process itself."""
        return self.instances[self.id]

    def variables(self, scope_id: str | None = None) -> dict[str, Any]:
        """The variables of a scope (the instance by default) as FEEL values."""
        ei = self.instances.get(scope_id or self.id)
        if ei is None:
            raise KeyError(f"no element instance {scope_id!r} in instance {self.id!r}")
        return dict(ei.variables or {})

    def active_elements(self) -> list[str]:
        """Element ids holding a waiting token (tasks, catch events, call activities,
        event-based gateways, and elements stopped by an incident)."""
        return [
            ei.element_id
            for ei in self.instances.values()
            if ei.wait is not None or ei.status == Status.INCIDENT
        ]

    def element_instances(self, element_id: str | None = None) -> Iterator[ElementInstance]:
        """The live element instances (of `element_id` only, when given); read only."""
        for ei in self.instances.values():
            if element_id is None or ei.element_id == element_id:
                yield ei

    def __repr__(self) -> str:
        return f"InstanceState({self.process_id!r}, id={self.id!r}, status={self.status.value!r})"

    # -- copy on write ------------------------------------------------------------------------

    def copy(self) -> InstanceState:
        """A new state sharing the element instances until they are changed (`mut`)."""
        other = InstanceState.__new__(InstanceState)
        other.id = self.id
        other.process_id = self.process_id
        other.business_key = self.business_key
        other.parent = self.parent
        other.status = self.status
        other.epoch = object()
        other.instances = dict(self.instances)
        other.waits = dict(self.waits)
        other.conditions = dict(self.conditions)
        other.incidents = list(self.incidents)
        other.passed = list(self.passed)
        other.pending = list(self.pending)
        return other

    def mut(self, ei_id: str) -> ElementInstance:
        """The element instance `ei_id`, made private to this state so it may be changed."""
        ei = self.instances[ei_id]
        if ei.epoch is not self.epoch:
            ei = ei.clone(self.epoch)
            self.instances[ei_id] = ei
        return ei

    # -- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A versioned, JSON-safe, deterministic document of the whole state."""
        return {
            "version": FORMAT_VERSION,
            "id": self.id,
            "process_id": self.process_id,
            "business_key": self.business_key,
            "status": self.status.value,
            "parent": list(self.parent) if self.parent else None,
            "instances": [ei.to_json() for ei in self.instances.values()],
            "waits": [_wait_json(w) for w in self.waits.values()],
            "incidents": [_incident_json(i) for i in self.incidents],
            "passed": list(self.passed),
            "pending": [encode_value(item) for item in self.pending],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> InstanceState:
        """Read a document written by `to_json` (of this or an older format version)."""
        version = data.get("version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"instance state format version {version!r} is not supported "
                f"(this engine reads version {FORMAT_VERSION})"
            )
        parent = data.get("parent")
        state = InstanceState(
            data["id"],
            data["process_id"],
            data.get("business_key"),
            (parent[0], parent[1]) if parent else None,
        )
        state.status = Status(data["status"])
        for item in data.get("instances", ()):
            ei = ElementInstance.from_json(item, state.epoch)
            state.instances[ei.id] = ei
        for item in data.get("waits", ()):
            wait = _wait_from_json(item)
            state.waits[wait.id] = wait
            if wait.kind == "condition":
                state.conditions[wait.id] = None
        state.incidents = [Incident(**item) for item in data.get("incidents", ())]
        state.passed = list(data.get("passed", ()))
        state.pending = [decode_value(item) for item in data.get("pending", ())]
        return state


def _wait_json(wait: Wait) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": wait.id,
        "kind": wait.kind,
        "owner": wait.owner,
        "element_id": wait.element_id,
    }
    for name in ("name", "key", "cycle", "remaining", "retries", "last"):
        value = getattr(wait, name)
        if value is not None:
            out[name] = value
    if wait.due is not None:
        out["due"] = wait.due.isoformat()
    return out


def _wait_from_json(data: dict[str, Any]) -> Wait:
    fields = dict(data)
    if "due" in fields:
        fields["due"] = dt.datetime.fromisoformat(fields["due"])
    return Wait(**fields)


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "element_id": incident.element_id,
        "element_instance_id": incident.element_instance_id,
        "message": incident.message,
        "job_id": incident.job_id,
        "phase": incident.phase,
        "error_type": incident.error_type,
    }
