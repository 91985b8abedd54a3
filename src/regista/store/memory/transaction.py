"""The unit of work of the in-memory store: `Transaction` over the tables, through a journal
that undoes every change if the block raises."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from regista.store.chain import (
    canonical_json,
    content_hash,
    event_content,
    history_rows,
    row_content,
    ts_text,
)
from regista.store.errors import (
    CorruptState,
    DuplicateKey,
    NotFound,
    StaleDefinition,
    VersionConflict,
)
from regista.store.interface import Keys, Transaction
from regista.store.memory import retention, search
from regista.store.memory.alerts import MemoryAlerts
from regista.store.memory.decision_instances import MemoryDecisionInstances
from regista.store.memory.deployments import MemoryDeployments
from regista.store.memory.identity import MemoryIdentity
from regista.store.memory.statistics import MemoryStatistics
from regista.store.memory.tables import Journal, Tables, copy_json
from regista.store.memory.timers import MemoryTimers
from regista.store.memory.user_tasks import MemoryUserTasks
from regista.store.memory.variables import MemoryVariables
from regista.store.params import (
    IncidentQuery,
    InstanceQuery,
    InstanceUpdate,
    JobQuery,
    NewIncident,
    NewInstance,
    NewJob,
    NewMessage,
    NewSubscription,
)
from regista.store.records import (
    BufferedMessage,
    Definition,
    HistoryEvent,
    HistoryHead,
    Incident,
    Instance,
    InstanceKeys,
    Job,
    NewEvent,
    Outcome,
    Pruned,
    Subscription,
)
from regista.store.values import dumps, new_id, sha256_text, utc, utc_opt

__all__ = ["MemoryTransaction"]


def _accepts(keys: Keys, key: str | None) -> bool:
    """Whether a row with correlation `key` is one of `keys` (see `Keys`)."""
    return keys is None or (key or None) in {k or None for k in keys}


class MemoryTransaction(
    MemoryIdentity,
    MemoryDeployments,
    MemoryTimers,
    MemoryUserTasks,
    MemoryVariables,
    MemoryDecisionInstances,
    MemoryAlerts,
    MemoryStatistics,
    Transaction,
):
    """A unit of work on `MemoryStore`; changes are undone if the block raises."""

    def __init__(self, tables: Tables, *, write: bool) -> None:
        self.journal = Journal(tables, write=write)
        self._j = self.journal
        self._t = tables

    # -- definitions ------------------------------------------------------------------------

    def deploy_definition(
        self,
        process_id: str,
        source: str,
        *,
        now: datetime,
        resource_name: str | None = None,
        definition_id: str | None = None,
        trust: str = "untrusted",
        deployed_by: str | None = None,
    ) -> tuple[Definition, bool]:
        self._j.check(write=True)
        digest = sha256_text(source)
        latest = self.latest_definition(process_id)
        if latest is not None and latest.sha256 == digest and latest.trust == trust:
            return latest, False
        version = 1 if latest is None else latest.version + 1
        definition = Definition(
            id=definition_id or f"{process_id}:{version}:{new_id()[:12]}",
            process_id=process_id,
            version=version,
            sha256=digest,
            source=source,
            resource_name=resource_name,
            deployed_at=utc(now),
            trust=trust,
            deployed_by=deployed_by,
        )
        self._j.set(self._t.definitions, definition.id, definition)
        return definition, True

    def get_definition(self, definition_id: str) -> Definition | None:
        self._j.check()
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
        self._j.check()
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

    def insert_instance(self, new: NewInstance, *, now: datetime) -> Instance:
        if new.latest:
            newest = self.latest_definition(new.process_id)
            if newest is None or newest.id != new.definition_id:
                raise StaleDefinition(new.process_id, new.definition_id)
        self._j.check(write=True)
        if new.idempotency_key is not None:
            existing = self.find_instance_by_idempotency_key(new.idempotency_key)
            if existing is not None:
                raise DuplicateKey(
                    f"an instance was already started with idempotency key {new.idempotency_key!r}",
                    existing_id=existing.id,
                )
        if new.id in self._t.instances:
            raise DuplicateKey(f"a row with the same key already exists (instance {new.id!r})")
        text = dumps(new.state, f"state of instance {new.id!r}")
        now = utc(now)
        row = Instance(
            id=new.id,
            definition_id=new.definition_id,
            process_id=new.process_id,
            business_key=new.business_key,
            status=new.status,
            state={},
            version=1,
            parent_instance_id=new.parent_instance_id,
            parent_element_instance_id=new.parent_element_instance_id,
            idempotency_key=new.idempotency_key,
            started_at=now,
            ended_at=utc_opt(new.ended_at),
            updated_at=now,
        )
        self._j.set(self._t.instances, new.id, row)
        self._j.set(self._t.states, new.id, text)
        return replace(row, state=json.loads(text))

    def lock_instance(self, instance_id: str) -> Instance:
        self._j.check()
        found = self._load(instance_id)
        if found is None:
            raise NotFound(f"there is no process instance {instance_id!r}")
        return found

    def will_lock(self, instance_id: str) -> None:
        self._j.check()

    def get_instance(self, instance_id: str) -> Instance | None:
        self._j.check()
        return self._load(instance_id)

    def find_instance_by_idempotency_key(self, key: str) -> Instance | None:
        self._j.check()
        for row in self._t.instances.values():
            if row.idempotency_key == key:
                return self._load(row.id)
        return None

    def update_instance(self, update: InstanceUpdate, *, now: datetime) -> int:
        self._j.check(write=True)
        row = self._t.instances.get(update.id)
        if row is None or row.version != update.expected_version:
            raise VersionConflict(
                update.id, update.expected_version, None if row is None else row.version
            )
        text = dumps(update.state, f"state of instance {update.id!r}")
        updated = replace(
            row,
            status=update.status,
            version=row.version + 1,
            updated_at=utc(now),
            ended_at=utc_opt(update.ended_at) or row.ended_at,
        )
        self._j.set(self._t.instances, update.id, updated)
        self._j.set(self._t.states, update.id, text)
        return updated.version

    def page_instances(self, query: InstanceQuery) -> list[Instance]:
        self._j.check()
        rows = [
            r
            for r in self._t.instances.values()
            if search.instance_matches(r, query, self._t.variables)
        ]
        chosen = search.page(search.sorted_instances(rows, query), query.offset, query.limit)
        return [loaded for r in chosen if (loaded := self._load(r.id)) is not None]

    def count_instances(self, query: InstanceQuery, *, cap: int) -> int:
        self._j.check()
        found = sum(
            1
            for r in self._t.instances.values()
            if search.instance_matches(r, query, self._t.variables)
        )
        return min(found, cap)

    def list_instances(
        self,
        *,
        status: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        parent_instance_id: str | None = None,
        limit: int = 100,
    ) -> list[Instance]:
        self._j.check()
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

    def instance_keys(self, instance_ids: Iterable[str]) -> dict[str, InstanceKeys]:
        self._j.check()
        found = (self._t.instances.get(i) for i in sorted(set(instance_ids)))
        return {r.id: InstanceKeys(r.process_id, r.business_key) for r in found if r is not None}

    def redefine_instance(
        self, instance_id: str, *, definition_id: str, process_id: str, rows: Mapping[str, str]
    ) -> None:
        row = self._t.instances.get(instance_id)
        if row is not None:
            moved = replace(row, definition_id=definition_id, process_id=process_id)
            self._j.set(self._t.instances, instance_id, moved)
        retention.rename(self._j, self._t.jobs, instance_id, rows)
        retention.rename(self._j, self._t.user_tasks, instance_id, rows)
        retention.rename(self._j, self._t.timers, instance_id, rows)
        retention.rename(self._j, self._t.subscriptions, instance_id, rows)
        retention.rename(self._j, self._t.incidents, instance_id, rows)

    def lock_key(self, namespace: str, key: str, *, shared: bool = False) -> None:
        self._j.check()

    # -- jobs -------------------------------------------------------------------------------

    def insert_job(self, new: NewJob, *, now: datetime) -> None:
        self._j.check(write=True)
        if new.id in self._t.jobs:
            raise DuplicateKey(f"a row with the same key already exists (job {new.id!r})")
        job = Job(
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            type=new.type,
            retries=new.retries,
            attempt=1 if new.claimed else 0,
            status="claimed" if new.claimed else "ready",
            lease_owner=new.lease_owner,
            lease_until=utc_opt(new.lease_until),
            due_at=utc(new.due_at or now),
            variables=copy_json(new.variables, f"variables of job {new.id!r}"),
            headers=copy_json(new.headers, f"headers of job {new.id!r}"),
            error=None,
            created_at=utc(now),
            completed_at=None,
        )
        self._j.set(self._t.jobs, new.id, job)

    def get_job(self, job_id: str) -> Job | None:
        self._j.check()
        return self._t.jobs.get(job_id)

    def jobs_of_instance(self, instance_id: str) -> list[Job]:
        self._j.check()
        found = [j for j in self._t.jobs.values() if j.instance_id == instance_id]
        return sorted(found, key=lambda j: (j.created_at, j.id))

    def claim_job(
        self, job_id: str, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> Job | None:
        self._j.check(write=True)
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
        self._j.set(self._t.jobs, job_id, taken)
        return taken

    def claim_jobs(
        self,
        types: Sequence[str],
        worker_id: str,
        *,
        limit: int,
        lease_seconds: float,
        now: datetime,
    ) -> list[Job]:
        self._j.check(write=True)
        now = utc(now)
        wanted = set(types)
        lease_until = now + timedelta(seconds=lease_seconds)
        ready = [
            (j.due_at if j.status == "ready" else j.lease_until, j.id, j)
            for j in self._t.jobs.values()
            if j.type in wanted
            and (
                (j.status == "ready" and j.due_at <= now)
                or (j.status == "claimed" and j.lease_until is not None and j.lease_until <= now)
            )
        ]
        ready.sort(key=lambda entry: (entry[0], entry[1]))
        claimed: list[Job] = []
        for _, job_id, job in ready[: max(limit, 0)]:
            taken = replace(
                job,
                status="claimed",
                attempt=job.attempt + 1,
                lease_owner=worker_id,
                lease_until=lease_until,
            )
            self._j.set(self._t.jobs, job_id, taken)
            claimed.append(taken)
        claimed.sort(key=lambda j: (j.due_at, j.id))
        return claimed

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
        self._j.check(write=True)
        job, outcome = self._report(job_id, attempt, ("completed",))
        if job is not None and outcome is Outcome.APPLIED:
            self._j.set(
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
        self, job_id: str, attempt: int, *, error: str, now: datetime, details: str | None = None
    ) -> Outcome:
        self._j.check(write=True)
        job, outcome = self._report(job_id, attempt, ("ready", "failed"))
        if job is not None and outcome is Outcome.APPLIED:
            failed = replace(
                job,
                status="failed",
                retries=0,
                error=error,
                error_details=details,
                lease_owner=None,
                lease_until=None,
            )
            self._j.set(self._t.jobs, job_id, failed)
        return outcome

    def retry_job(self, job_id: str, *, retries: int, due_at: datetime) -> bool:
        self._j.check(write=True)
        job = self._t.jobs.get(job_id)
        if job is None or job.status != "failed":
            return False
        ready = replace(job, status="ready", retries=max(retries, 0), due_at=utc(due_at))
        self._j.set(self._t.jobs, job_id, ready)
        return True

    def update_job(
        self, job_id: str, *, retries: int | None = None, lease_until: datetime | None = None
    ) -> bool:
        self._j.check(write=True)
        job = self._t.jobs.get(job_id)
        if job is None or job.status not in ("ready", "claimed", "failed"):
            return False
        changed = job if retries is None else replace(job, retries=max(retries, 0))
        if lease_until is not None and job.status == "claimed":
            changed = replace(changed, lease_until=utc(lease_until))
        self._j.set(self._t.jobs, job_id, changed)
        return True

    def cancel_job(self, job_id: str, *, now: datetime) -> bool:
        self._j.check(write=True)
        job = self._t.jobs.get(job_id)
        if job is None or job.status not in ("ready", "claimed", "failed"):
            return False
        self._j.set(
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

    # -- subscriptions and messages ---------------------------------------------------------

    def insert_subscription(self, new: NewSubscription, *, now: datetime) -> None:
        self._j.check(write=True)
        if new.id in self._t.subscriptions:
            raise DuplicateKey(f"a row with the same key already exists (subscription {new.id!r})")
        subscription = Subscription(
            id=new.id,
            instance_id=new.instance_id,
            kind=new.kind,
            name=new.name,
            correlation_key=new.correlation_key or None,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            created_at=utc(now),
        )
        self._j.set(self._t.subscriptions, new.id, subscription)

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        self._j.check()
        return self._t.subscriptions.get(subscription_id)

    def delete_subscription(self, subscription_id: str) -> bool:
        return self._j.delete(self._t.subscriptions, subscription_id) is not None

    def _subscriptions(self) -> list[Subscription]:
        self._j.check()
        return sorted(self._t.subscriptions.values(), key=lambda s: (s.created_at, s.id))

    def find_subscription(self, name: str, keys: Keys) -> Subscription | None:
        for s in self._subscriptions():
            if s.kind == "message" and s.name == name and _accepts(keys, s.correlation_key):
                return s
        return None

    def signal_subscriptions(self, name: str) -> list[Subscription]:
        return [s for s in self._subscriptions() if s.kind == "signal" and s.name == name]

    def subscriptions_of_instance(self, instance_id: str) -> list[Subscription]:
        return [s for s in self._subscriptions() if s.instance_id == instance_id]

    def buffer_message(self, new: NewMessage, *, now: datetime) -> BufferedMessage:
        self._j.check(write=True)
        if new.id in self._t.messages:
            raise DuplicateKey(f"a row with the same key already exists (message {new.id!r})")
        message = BufferedMessage(
            id=new.id,
            name=new.name,
            correlation_key=new.correlation_key or None,
            variables=copy_json(new.variables, f"variables of message {new.name!r}"),
            published_at=utc(now),
            expires_at=utc(new.expires_at),
            consumed_by=None,
            consumed_at=None,
        )
        self._j.set(self._t.messages, new.id, message)
        return message

    def take_message(
        self, name: str, keys: Keys, *, consumer: str, now: datetime
    ) -> BufferedMessage | None:
        self._j.check(write=True)
        now = utc(now)
        candidates = sorted(
            (
                m
                for m in self._t.messages.values()
                if m.name == name
                and _accepts(keys, m.correlation_key)
                and m.consumed_by is None
                and m.expires_at > now
            ),
            key=lambda m: (m.published_at, m.id),
        )
        if not candidates:
            return None
        taken = replace(candidates[0], consumed_by=consumer, consumed_at=now)
        self._j.set(self._t.messages, taken.id, taken)
        return taken

    def get_message(self, message_id: str) -> BufferedMessage | None:
        self._j.check()
        return self._t.messages.get(message_id)

    # -- incidents --------------------------------------------------------------------------

    def insert_incident(self, new: NewIncident, *, now: datetime) -> None:
        self._j.check(write=True)
        if new.id in self._t.incidents:
            raise DuplicateKey(f"a row with the same key already exists (incident {new.id!r})")
        incident = Incident(
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            job_id=new.job_id,
            message=new.message,
            created_at=utc(now),
            resolved_at=None,
            error_type=new.error_type,
        )
        self._j.set(self._t.incidents, new.id, incident)

    def get_incident(self, incident_id: str) -> Incident | None:
        self._j.check()
        return self._t.incidents.get(incident_id)

    def resolve_incident(self, incident_id: str, *, now: datetime) -> bool:
        self._j.check(write=True)
        incident = self._t.incidents.get(incident_id)
        if incident is None or incident.resolved_at is not None:
            return False
        self._j.set(self._t.incidents, incident_id, replace(incident, resolved_at=utc(now)))
        return True

    def _incident_matches(self, incident: Incident, query: IncidentQuery) -> bool:
        if not search.incident_matches(incident, query):
            return False
        if query.process_id is None and query.definition_id is None:
            return True
        row = self._t.instances.get(incident.instance_id)
        return (
            row is not None
            and (query.process_id is None or row.process_id == query.process_id)
            and (query.definition_id is None or row.definition_id == query.definition_id)
        )

    def page_incidents(self, query: IncidentQuery) -> list[Incident]:
        self._j.check()
        rows = [i for i in self._t.incidents.values() if self._incident_matches(i, query)]
        return search.page(search.sorted_incidents(rows, query), query.offset, query.limit)

    def count_incidents(self, query: IncidentQuery, *, cap: int) -> int:
        self._j.check()
        found = sum(1 for i in self._t.incidents.values() if self._incident_matches(i, query))
        return min(found, cap)

    def _job_matches(self, job: Job, query: JobQuery) -> bool:
        if not search.job_matches(job, query):
            return False
        if query.process_id is None and query.definition_id is None:
            return True
        row = self._t.instances.get(job.instance_id)
        return (
            row is not None
            and (query.process_id is None or row.process_id == query.process_id)
            and (query.definition_id is None or row.definition_id == query.definition_id)
        )

    def page_jobs(self, query: JobQuery) -> list[Job]:
        self._j.check()
        rows = [j for j in self._t.jobs.values() if self._job_matches(j, query)]
        return search.page(search.sorted_jobs(rows, query), query.offset, query.limit)

    def count_jobs(self, query: JobQuery, *, cap: int) -> int:
        self._j.check()
        found = sum(1 for j in self._t.jobs.values() if self._job_matches(j, query))
        return min(found, cap)

    def claim_message_id(
        self,
        name: str,
        correlation_key: str | None,
        message_id: str,
        *,
        message_key: str,
        expires_at: datetime,
        now: datetime,
    ) -> bool:
        self._j.check(write=True)
        key = (name, correlation_key or "", message_id)
        held = self._t.message_ids.get(key)
        if held is not None and held[1] > utc(now):
            return False
        self._j.set(self._t.message_ids, key, (message_key, utc(expires_at)))
        return True

    def list_open_incidents(
        self, *, instance_id: str | None = None, limit: int = 100
    ) -> list[Incident]:
        self._j.check()
        found = [
            i
            for i in sorted(self._t.incidents.values(), key=lambda i: (i.created_at, i.id))
            if i.resolved_at is None and (instance_id is None or i.instance_id == instance_id)
        ]
        return found[:limit]

    # -- history ----------------------------------------------------------------------------

    def append_history(self, instance_id: str, events: Sequence[NewEvent]) -> list[HistoryEvent]:
        self._j.check(write=True)
        if not events:
            return []
        chain = self._t.history.get(instance_id, [])
        seq, prev = (chain[-1].seq, chain[-1].hash) if chain else (0, None)
        built: list[HistoryEvent] = []
        next_id = self._t.counters["history_id"]
        # the events of one row (`chain.history_rows`) share its hash, as in the SQL stores
        for row in history_rows(events):
            first = len(built)
            contents: list[str] = []
            for event in events[row.start : row.stop]:
                seq += 1
                next_id += 1
                ts = utc(event.ts, "history event time")
                data = copy_json(event.data, f"data of history event {event.kind!r}")
                contents.append(
                    event_content(
                        instance_id=instance_id,
                        seq=seq,
                        ts=ts_text(ts),
                        kind=event.kind,
                        element_id=event.element_id,
                        element_instance_id=event.element_instance_id,
                        actor=event.actor,
                        command=event.command,
                        data=canonical_json(data),
                    )
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
                        hash="",
                    )
                )
            digest = content_hash(prev, row_content(contents))
            built[first:] = [replace(e, hash=digest) for e in built[first:]]
            prev = digest
        self._j.set(self._t.history, instance_id, [*chain, *built])
        self._j.set(
            self._t.history_heads, instance_id, HistoryHead(instance_id, seq, built[-1].hash)
        )
        self._j.set(self._t.counters, "history_id", next_id)
        return built

    def add_history(self, instance_id: str, events: Sequence[NewEvent]) -> None:
        self.append_history(instance_id, events)

    def history(self, instance_id: str) -> list[HistoryEvent]:
        self._j.check()
        return list(self._t.history.get(instance_id, []))

    # -- retention --------------------------------------------------------------------------

    def prune(
        self, *, ended_before: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> Pruned:
        mark = None if after is None else (utc(after[0]), after[1])
        return retention.prune(self._j, utc(ended_before), limit, mark)

    def count_prunable(self, *, ended_before: datetime) -> int:
        self._j.check()
        return len(retention.prunable(self._t, utc(ended_before), None))
