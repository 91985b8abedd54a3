"""The unit of work of the in-memory store: tables of records, changes with an undo log."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from regista.store.chain import event_hash
from regista.store.errors import (
    CorruptState,
    DuplicateKey,
    NotFound,
    StaleDefinition,
    StoreError,
    VersionConflict,
)
from regista.store.interface import Transaction
from regista.store.records import (
    BufferedMessage,
    Definition,
    HistoryEvent,
    Incident,
    Instance,
    Job,
    NewEvent,
    Node,
    Outcome,
    Subscription,
    SubscriptionKind,
    Timer,
    UserTask,
)
from regista.store.values import dumps, new_id, sha256_text, utc, utc_opt

_K = TypeVar("_K")
_V = TypeVar("_V")
_MISSING: Any = object()


def _copy(value: Any, what: str) -> Any:
    return json.loads(dumps(value, what))


def _key(key: str | None) -> str:
    return "" if key is None else key


@dataclass
class Tables:
    definitions: dict[str, Definition] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    user_tasks: dict[str, UserTask] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    messages: dict[str, BufferedMessage] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    history: dict[str, list[HistoryEvent]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=lambda: {"history_id": 0})


class MemoryTransaction(Transaction):
    """A unit of work on `MemoryStore`; changes are undone if the block raises."""

    def __init__(self, tables: Tables, *, write: bool) -> None:
        self._t = tables
        self._write = write
        self._open = True
        self._undo: list[Callable[[], None]] = []

    # -- plumbing ---------------------------------------------------------------------------

    def _check(self, write: bool = False) -> None:
        if not self._open:
            raise StoreError(
                "this transaction has already ended; open a new one with store.transaction()"
            )
        if write and not self._write:
            raise StoreError("cannot write in a read-only transaction (write=False)")

    def _set(self, table: dict[_K, _V], key: _K, value: _V) -> None:
        self._check(write=True)
        old = table.get(key, _MISSING)
        table[key] = value

        def undo() -> None:
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old

        self._undo.append(undo)

    def _delete(self, table: dict[_K, _V], key: _K) -> _V | None:
        self._check(write=True)
        old = table.pop(key, _MISSING)
        if old is _MISSING:
            return None
        self._undo.append(lambda: table.__setitem__(key, old))
        return old  # type: ignore[no-any-return]

    def rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        self._open = False

    def commit(self) -> None:
        self._undo.clear()
        self._open = False

    # -- definitions ------------------------------------------------------------------------

    def deploy_definition(
        self, process_id: str, source: str, *, now: datetime, resource_name: str | None = None
    ) -> tuple[Definition, bool]:
        self._check(write=True)
        digest = sha256_text(source)
        latest = self.latest_definition(process_id)
        if latest is not None and latest.sha256 == digest:
            return latest, False
        version = 1 if latest is None else latest.version + 1
        definition = Definition(
            id=f"{process_id}:{version}:{new_id()[:12]}",
            process_id=process_id,
            version=version,
            sha256=digest,
            source=source,
            resource_name=resource_name,
            deployed_at=utc(now),
        )
        self._set(self._t.definitions, definition.id, definition)
        return definition, True

    def get_definition(self, definition_id: str) -> Definition | None:
        self._check()
        return self._t.definitions.get(definition_id)

    def latest_definition(self, process_id: str) -> Definition | None:
        found = self.list_definitions(process_id)
        return found[-1] if found else None

    def latest_definition_id(self, process_id: str) -> str | None:
        latest = self.latest_definition(process_id)
        return None if latest is None else latest.id

    def definition_version(self, process_id: str, version: int) -> Definition | None:
        for definition in self.list_definitions(process_id):
            if definition.version == version:
                return definition
        return None

    def list_definitions(self, process_id: str | None = None) -> list[Definition]:
        self._check()
        found = [
            d
            for d in self._t.definitions.values()
            if process_id is None or d.process_id == process_id
        ]
        return sorted(found, key=lambda d: (d.process_id, d.version))

    # -- instances --------------------------------------------------------------------------

    def _load(self, instance_id: str) -> Instance | None:
        row = self._t.instances.get(instance_id)
        if row is None:
            return None
        try:
            state = json.loads(self._t.states[instance_id])
        except ValueError as exc:
            raise CorruptState(instance_id, f"not JSON: {exc}") from None
        if not isinstance(state, dict):
            raise CorruptState(instance_id, f"a JSON {type(state).__name__}, not an object")
        return replace(row, state=state)

    def insert_instance(
        self,
        *,
        id: str,
        definition_id: str,
        process_id: str,
        state: Mapping[str, Any],
        now: datetime,
        status: str = "active",
        business_key: str | None = None,
        parent_instance_id: str | None = None,
        parent_element_instance_id: str | None = None,
        idempotency_key: str | None = None,
        ended_at: datetime | None = None,
        latest: bool = False,
    ) -> Instance:
        if latest:
            newest = self.latest_definition(process_id)
            if newest is None or newest.id != definition_id:
                raise StaleDefinition(process_id, definition_id)
        self._check(write=True)
        if idempotency_key is not None:
            existing = self.find_instance_by_idempotency_key(idempotency_key)
            if existing is not None:
                raise DuplicateKey(
                    f"an instance was already started with idempotency key {idempotency_key!r}",
                    existing_id=existing.id,
                )
        if id in self._t.instances:
            raise DuplicateKey(f"a row with the same key already exists (instance {id!r})")
        text = dumps(state, f"state of instance {id!r}")
        now = utc(now)
        row = Instance(
            id=id,
            definition_id=definition_id,
            process_id=process_id,
            business_key=business_key,
            status=status,
            state={},
            version=1,
            parent_instance_id=parent_instance_id,
            parent_element_instance_id=parent_element_instance_id,
            idempotency_key=idempotency_key,
            started_at=now,
            ended_at=utc_opt(ended_at),
            updated_at=now,
        )
        self._set(self._t.instances, id, row)
        self._set(self._t.states, id, text)
        return replace(row, state=json.loads(text))

    def lock_instance(self, instance_id: str) -> Instance:
        self._check()
        found = self._load(instance_id)
        if found is None:
            raise NotFound(f"there is no process instance {instance_id!r}")
        return found

    def will_lock(self, instance_id: str) -> None:
        self._check()

    def get_instance(self, instance_id: str) -> Instance | None:
        self._check()
        return self._load(instance_id)

    def find_instance_by_idempotency_key(self, key: str) -> Instance | None:
        self._check()
        for row in self._t.instances.values():
            if row.idempotency_key == key:
                return self._load(row.id)
        return None

    def update_instance(
        self,
        instance_id: str,
        *,
        state: Mapping[str, Any],
        status: str,
        expected_version: int,
        now: datetime,
        ended_at: datetime | None = None,
        deferred: bool = False,
    ) -> int:
        self._check(write=True)
        row = self._t.instances.get(instance_id)
        if row is None or row.version != expected_version:
            raise VersionConflict(
                instance_id, expected_version, None if row is None else row.version
            )
        text = dumps(state, f"state of instance {instance_id!r}")
        updated = replace(
            row,
            status=status,
            version=row.version + 1,
            updated_at=utc(now),
            ended_at=utc_opt(ended_at) or row.ended_at,
        )
        self._set(self._t.instances, instance_id, updated)
        self._set(self._t.states, instance_id, text)
        return updated.version

    def list_instances(
        self,
        *,
        status: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        parent_instance_id: str | None = None,
        limit: int = 100,
    ) -> list[Instance]:
        self._check()
        rows = sorted(self._t.instances.values(), key=lambda r: (r.started_at, r.id))
        found: list[Instance] = []
        for row in rows:
            if (
                (status is None or row.status == status)
                and (process_id is None or row.process_id == process_id)
                and (business_key is None or row.business_key == business_key)
                and (parent_instance_id is None or row.parent_instance_id == parent_instance_id)
            ):
                loaded = self._load(row.id)
                assert loaded is not None
                found.append(loaded)
                if len(found) >= limit:
                    break
        return found

    def lock_key(self, namespace: str, key: str) -> None:
        self._check()

    # -- jobs -------------------------------------------------------------------------------

    def insert_job(
        self,
        *,
        id: str,
        instance_id: str,
        element_id: str,
        element_instance_id: str,
        type: str,
        retries: int,
        now: datetime,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        due_at: datetime | None = None,
        lease_owner: str | None = None,
        lease_until: datetime | None = None,
    ) -> None:
        self._check(write=True)
        if (lease_owner is None) != (lease_until is None):
            raise ValueError("a job inserted claimed needs both lease_owner and lease_until")
        claimed = lease_owner is not None
        if id in self._t.jobs:
            raise DuplicateKey(f"a row with the same key already exists (job {id!r})")
        self._set(
            self._t.jobs,
            id,
            Job(
                id=id,
                instance_id=instance_id,
                element_id=element_id,
                element_instance_id=element_instance_id,
                type=type,
                retries=retries,
                attempt=1 if claimed else 0,
                status="claimed" if claimed else "ready",
                lease_owner=lease_owner,
                lease_until=utc_opt(lease_until),
                due_at=utc(due_at or now),
                variables=_copy(variables or {}, f"variables of job {id!r}"),
                headers=_copy(headers or {}, f"headers of job {id!r}"),
                error=None,
                created_at=utc(now),
                completed_at=None,
            ),
        )

    def get_job(self, job_id: str) -> Job | None:
        self._check()
        return self._t.jobs.get(job_id)

    def jobs_of_instance(self, instance_id: str) -> list[Job]:
        self._check()
        found = [j for j in self._t.jobs.values() if j.instance_id == instance_id]
        return sorted(found, key=lambda j: (j.created_at, j.id))

    def claim_job(
        self, job_id: str, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> Job | None:
        self._check(write=True)
        job = self._t.jobs.get(job_id)
        now = utc(now)
        if job is None or not (
            job.status == "ready"
            or (job.status == "claimed" and job.lease_until is not None and job.lease_until <= now)
        ):
            return None
        taken = replace(
            job,
            status="claimed",
            attempt=job.attempt + 1,
            lease_owner=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        self._set(self._t.jobs, job_id, taken)
        return taken

    def _report(
        self, job_id: str, attempt: int, done: tuple[str, ...]
    ) -> tuple[Job | None, Outcome]:
        job = self._t.jobs.get(job_id)
        if job is None:
            return None, Outcome.MISSING
        if job.status == "claimed" and job.attempt == attempt:
            return job, Outcome.APPLIED
        if job.attempt == attempt and job.status in done:
            return job, Outcome.DUPLICATE
        return job, Outcome.STALE

    def complete_job(self, job_id: str, attempt: int, *, now: datetime) -> Outcome:
        self._check(write=True)
        job, outcome = self._report(job_id, attempt, ("completed",))
        if job is not None and outcome is Outcome.APPLIED:
            self._set(
                self._t.jobs,
                job_id,
                replace(
                    job,
                    status="completed",
                    completed_at=utc(now),
                    lease_owner=None,
                    lease_until=None,
                ),
            )
        return outcome

    def fail_job(
        self,
        job_id: str,
        attempt: int,
        *,
        error: str,
        retries: int,
        now: datetime,
        retry_at: datetime | None = None,
    ) -> Outcome:
        self._check(write=True)
        job, outcome = self._report(job_id, attempt, ("ready", "failed"))
        if job is not None and outcome is Outcome.APPLIED:
            self._set(
                self._t.jobs,
                job_id,
                replace(
                    job,
                    status="ready" if retries > 0 else "failed",
                    retries=max(retries, 0),
                    error=error,
                    due_at=utc(retry_at or now),
                    lease_owner=None,
                    lease_until=None,
                ),
            )
        return outcome

    def retry_job(self, job_id: str, *, retries: int, now: datetime) -> bool:
        self._check(write=True)
        job = self._t.jobs.get(job_id)
        if job is None or job.status != "failed":
            return False
        self._set(
            self._t.jobs, job_id, replace(job, status="ready", retries=retries, due_at=utc(now))
        )
        return True

    def cancel_job(self, job_id: str, *, now: datetime) -> bool:
        self._check(write=True)
        job = self._t.jobs.get(job_id)
        if job is None or job.status not in ("ready", "claimed", "failed"):
            return False
        self._set(
            self._t.jobs,
            job_id,
            replace(
                job,
                status="cancelled",
                completed_at=utc(now),
                lease_owner=None,
                lease_until=None,
            ),
        )
        return True

    # -- timers -----------------------------------------------------------------------------

    def insert_timer(
        self,
        *,
        id: str,
        instance_id: str,
        element_id: str,
        element_instance_id: str,
        due_at: datetime,
        now: datetime,
        repeat: str | None = None,
    ) -> None:
        self._check(write=True)
        if id in self._t.timers:
            raise DuplicateKey(f"a row with the same key already exists (timer {id!r})")
        timer = Timer(
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            due_at=utc(due_at),
            repeat=repeat,
            lease_owner=None,
            lease_until=None,
            created_at=utc(now),
        )
        self._set(self._t.timers, id, timer)

    def get_timer(self, timer_id: str) -> Timer | None:
        self._check()
        return self._t.timers.get(timer_id)

    def timers_of_instance(self, instance_id: str) -> list[Timer]:
        self._check()
        found = [t for t in self._t.timers.values() if t.instance_id == instance_id]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def take_timer(self, timer_id: str) -> Timer | None:
        return self._delete(self._t.timers, timer_id)

    def cancel_timer(self, timer_id: str) -> bool:
        return self._delete(self._t.timers, timer_id) is not None

    # -- user tasks -------------------------------------------------------------------------

    def insert_user_task(
        self,
        *,
        id: str,
        instance_id: str,
        element_id: str,
        element_instance_id: str,
        now: datetime,
        name: str | None = None,
        assignee: str | None = None,
        candidate_users: Sequence[str] = (),
        candidate_groups: Sequence[str] = (),
        due_at: datetime | None = None,
        follow_up_at: datetime | None = None,
        form_key: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self._check(write=True)
        if id in self._t.user_tasks:
            raise DuplicateKey(f"a row with the same key already exists (user task {id!r})")
        task = UserTask(
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            name=name,
            assignee=assignee,
            candidate_users=tuple(candidate_users),
            candidate_groups=tuple(candidate_groups),
            due_at=utc_opt(due_at),
            follow_up_at=utc_opt(follow_up_at),
            form_key=form_key,
            status="open",
            variables=_copy(variables or {}, f"variables of user task {id!r}"),
            created_at=utc(now),
            completed_at=None,
            completed_by=None,
        )
        self._set(self._t.user_tasks, id, task)

    def get_user_task(self, task_id: str) -> UserTask | None:
        self._check()
        return self._t.user_tasks.get(task_id)

    def assign_user_task(self, task_id: str, assignee: str | None) -> bool:
        self._check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None or task.status != "open":
            return False
        self._set(self._t.user_tasks, task_id, replace(task, assignee=assignee))
        return True

    def complete_user_task(self, task_id: str, *, by: str | None, now: datetime) -> Outcome:
        self._check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None:
            return Outcome.MISSING
        if task.status == "completed":
            return Outcome.DUPLICATE
        if task.status != "open":
            return Outcome.STALE
        self._set(
            self._t.user_tasks,
            task_id,
            replace(task, status="completed", completed_at=utc(now), completed_by=by),
        )
        return Outcome.APPLIED

    def cancel_user_task(self, task_id: str, *, now: datetime) -> bool:
        self._check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None or task.status != "open":
            return False
        self._set(
            self._t.user_tasks, task_id, replace(task, status="cancelled", completed_at=utc(now))
        )
        return True

    def list_open_user_tasks(
        self,
        *,
        assignee: str | None = None,
        candidate_user: str | None = None,
        candidate_group: str | None = None,
        instance_id: str | None = None,
        limit: int = 100,
    ) -> list[UserTask]:
        self._check()
        found = [
            t
            for t in sorted(self._t.user_tasks.values(), key=lambda t: (t.created_at, t.id))
            if t.status == "open"
            and (assignee is None or t.assignee == assignee)
            and (candidate_user is None or candidate_user in t.candidate_users)
            and (candidate_group is None or candidate_group in t.candidate_groups)
            and (instance_id is None or t.instance_id == instance_id)
        ]
        return found[:limit]

    # -- subscriptions and messages ---------------------------------------------------------

    def insert_subscription(
        self,
        *,
        id: str,
        instance_id: str,
        kind: SubscriptionKind,
        name: str,
        correlation_key: str | None,
        element_id: str,
        element_instance_id: str,
        now: datetime,
    ) -> None:
        self._check(write=True)
        if id in self._t.subscriptions:
            raise DuplicateKey(f"a row with the same key already exists (subscription {id!r})")
        subscription = Subscription(
            id=id,
            instance_id=instance_id,
            kind=kind,
            name=name,
            correlation_key=correlation_key or None,
            element_id=element_id,
            element_instance_id=element_instance_id,
            created_at=utc(now),
        )
        self._set(self._t.subscriptions, id, subscription)

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        self._check()
        return self._t.subscriptions.get(subscription_id)

    def delete_subscription(self, subscription_id: str) -> bool:
        return self._delete(self._t.subscriptions, subscription_id) is not None

    def _subscriptions(self) -> list[Subscription]:
        self._check()
        return sorted(self._t.subscriptions.values(), key=lambda s: (s.created_at, s.id))

    def find_subscription(self, name: str, correlation_key: str | None) -> Subscription | None:
        for s in self._subscriptions():
            if (
                s.kind == "message"
                and s.name == name
                and _key(s.correlation_key) == _key(correlation_key)
            ):
                return s
        return None

    def signal_subscriptions(self, name: str) -> list[Subscription]:
        return [s for s in self._subscriptions() if s.kind == "signal" and s.name == name]

    def subscriptions_of_instance(self, instance_id: str) -> list[Subscription]:
        return [s for s in self._subscriptions() if s.instance_id == instance_id]

    def buffer_message(
        self,
        *,
        id: str,
        name: str,
        correlation_key: str | None,
        variables: Mapping[str, Any],
        now: datetime,
        expires_at: datetime,
    ) -> BufferedMessage:
        self._check(write=True)
        if id in self._t.messages:
            raise DuplicateKey(f"a row with the same key already exists (message {id!r})")
        message = BufferedMessage(
            id=id,
            name=name,
            correlation_key=correlation_key or None,
            variables=_copy(variables, f"variables of message {name!r}"),
            published_at=utc(now),
            expires_at=utc(expires_at),
            consumed_by=None,
            consumed_at=None,
        )
        self._set(self._t.messages, id, message)
        return message

    def consume_message(
        self, name: str, correlation_key: str | None, *, consumer: str, now: datetime
    ) -> BufferedMessage | None:
        self._check(write=True)
        now = utc(now)
        candidates = sorted(
            (
                m
                for m in self._t.messages.values()
                if m.name == name
                and _key(m.correlation_key) == _key(correlation_key)
                and m.consumed_by is None
                and m.expires_at > now
            ),
            key=lambda m: (m.published_at, m.id),
        )
        if not candidates:
            return None
        taken = replace(candidates[0], consumed_by=consumer, consumed_at=now)
        self._set(self._t.messages, taken.id, taken)
        return taken

    def get_message(self, message_id: str) -> BufferedMessage | None:
        self._check()
        return self._t.messages.get(message_id)

    # -- incidents --------------------------------------------------------------------------

    def insert_incident(
        self,
        *,
        id: str,
        instance_id: str,
        message: str,
        now: datetime,
        element_id: str | None = None,
        element_instance_id: str | None = None,
        job_id: str | None = None,
    ) -> None:
        self._check(write=True)
        if id in self._t.incidents:
            raise DuplicateKey(f"a row with the same key already exists (incident {id!r})")
        incident = Incident(
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            job_id=job_id,
            message=message,
            created_at=utc(now),
            resolved_at=None,
        )
        self._set(self._t.incidents, id, incident)

    def get_incident(self, incident_id: str) -> Incident | None:
        self._check()
        return self._t.incidents.get(incident_id)

    def resolve_incident(self, incident_id: str, *, now: datetime) -> bool:
        self._check(write=True)
        incident = self._t.incidents.get(incident_id)
        if incident is None or incident.resolved_at is not None:
            return False
        self._set(self._t.incidents, incident_id, replace(incident, resolved_at=utc(now)))
        return True

    def list_open_incidents(
        self, *, instance_id: str | None = None, limit: int = 100
    ) -> list[Incident]:
        self._check()
        found = [
            i
            for i in sorted(self._t.incidents.values(), key=lambda i: (i.created_at, i.id))
            if i.resolved_at is None and (instance_id is None or i.instance_id == instance_id)
        ]
        return found[:limit]

    # -- history ----------------------------------------------------------------------------

    def append_history(self, instance_id: str, events: Sequence[NewEvent]) -> list[HistoryEvent]:
        self._check(write=True)
        if not events:
            return []
        chain = self._t.history.get(instance_id, [])
        seq, prev = (chain[-1].seq, chain[-1].hash) if chain else (0, None)
        built: list[HistoryEvent] = []
        next_id = self._t.counters["history_id"]
        for event in events:
            seq += 1
            next_id += 1
            ts = utc(event.ts, "history event time")
            data = _copy(event.data, f"data of history event {event.kind!r}")
            digest = event_hash(
                instance_id=instance_id,
                seq=seq,
                ts=ts,
                kind=event.kind,
                element_id=event.element_id,
                element_instance_id=event.element_instance_id,
                actor=event.actor,
                command=event.command,
                data=data,
                prev_hash=prev,
            )
            built.append(
                HistoryEvent(
                    id=next_id,
                    instance_id=instance_id,
                    seq=seq,
                    ts=ts,
                    kind=event.kind,
                    element_id=event.element_id,
                    element_instance_id=event.element_instance_id,
                    actor=event.actor,
                    command=event.command,
                    data=data,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        self._set(self._t.history, instance_id, [*chain, *built])
        self._set(self._t.counters, "history_id", next_id)
        return built

    def add_history(self, instance_id: str, events: Sequence[NewEvent]) -> None:
        self.append_history(instance_id, events)

    def history(self, instance_id: str) -> list[HistoryEvent]:
        self._check()
        return list(self._t.history.get(instance_id, []))
