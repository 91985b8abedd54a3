"""The unit of work of the SQL stores: `Transaction` over a connection and named queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from regista.store.chain import event_hash
from regista.store.errors import (
    DuplicateKey,
    NotFound,
    SerializationConflict,
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
    Outcome,
    Subscription,
    SubscriptionKind,
    Timer,
    UserTask,
)
from regista.store.rows import Row, RowMapper
from regista.store.sqlbase import Dialect, aware, key_in, new_id, sha256_text

_T = TypeVar("_T")


class SqlTransaction(Transaction):
    """`Transaction` over a DB-API-like connection and a dialect's named queries."""

    def __init__(self, conn: Any, dialect: Dialect, *, write: bool) -> None:
        self._conn = conn
        self._dialect = dialect
        self._q = dialect.queries
        self._c = dialect.codec
        self._rows = RowMapper(dialect.codec)
        self._write = write
        self._open = True
        self._heads: dict[str, tuple[int, str | None]] = {}

    def close(self) -> None:
        self._open = False

    # -- plumbing ---------------------------------------------------------------------------

    def _usable(self, name: str, *, write: bool) -> None:
        if not self._open:
            raise StoreError(
                "this transaction has already ended; open a new one with store.transaction()"
            )
        if write and not self._write:
            raise StoreError(f"{name}: cannot write in a read-only transaction (write=False)")

    def _run(self, name: str, params: Mapping[str, Any], *, write: bool) -> Any:
        self._usable(name, write=write)
        try:
            return self._conn.execute(self._q[name], params)
        except self._dialect.driver_error as exc:
            raise self._dialect.translate(exc) from exc

    def _one(self, query: str, /, *, write: bool = False, **params: Any) -> Row | None:
        rows = self._run(query, params, write=write).fetchall()
        return rows[0] if rows else None

    def _all(self, query: str, /, *, write: bool = False, **params: Any) -> list[Row]:
        return cast(list[Row], self._run(query, params, write=write).fetchall())

    def _mut(self, query: str, /, **params: Any) -> None:
        """A write whose result is not needed."""
        self._run(query, params, write=True)

    def _maybe(self, mapper: Callable[[Row], _T], row: Row | None) -> _T | None:
        return None if row is None else mapper(row)

    # -- definitions ------------------------------------------------------------------------

    def deploy_definition(
        self, process_id: str, source: str, *, now: datetime, resource_name: str | None = None
    ) -> tuple[Definition, bool]:
        self.lock_key("definition", process_id)
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
            deployed_at=aware(now),
        )
        self._mut(
            "definition_insert",
            id=definition.id,
            process_id=process_id,
            version=version,
            sha256=digest,
            source=source,
            resource_name=resource_name,
            now=self._c.ts(now),
        )
        return definition, True

    def get_definition(self, definition_id: str) -> Definition | None:
        return self._maybe(self._rows.definition, self._one("definition_get", id=definition_id))

    def latest_definition(self, process_id: str) -> Definition | None:
        row = self._one("definition_latest", process_id=process_id)
        return self._maybe(self._rows.definition, row)

    def definition_version(self, process_id: str, version: int) -> Definition | None:
        row = self._one("definition_version", process_id=process_id, version=version)
        return self._maybe(self._rows.definition, row)

    def list_definitions(self, process_id: str | None = None) -> list[Definition]:
        return [
            self._rows.definition(r) for r in self._all("definition_list", process_id=process_id)
        ]

    # -- instances --------------------------------------------------------------------------

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
    ) -> Instance:
        row = self._one(
            "instance_insert",
            write=True,
            id=id,
            definition_id=definition_id,
            process_id=process_id,
            business_key=business_key,
            status=status,
            state=self._c.json(state, f"state of instance {id!r}"),
            parent_instance_id=parent_instance_id,
            parent_element_instance_id=parent_element_instance_id,
            idempotency_key=idempotency_key,
            now=self._c.ts(aware(now)),
            ended_at=self._c.ts(ended_at),
        )
        if row is not None:
            # a new instance has no history yet: append_history can skip looking for its head
            self._heads.setdefault(id, (0, None))
        else:
            existing = self.find_instance_by_idempotency_key(cast(str, idempotency_key))
            raise DuplicateKey(
                f"an instance was already started with idempotency key {idempotency_key!r}",
                existing_id=None if existing is None else existing.id,
            )
        return self._rows.instance(row)

    def lock_instance(self, instance_id: str) -> Instance:
        row = self._one("instance_lock", id=instance_id)
        if row is None:
            raise NotFound(f"there is no process instance {instance_id!r}")
        # the instance is ours until commit, so its history head cannot move under us
        self._heads.setdefault(instance_id, (row["history_seq"] or 0, row["history_hash"]))
        return self._rows.instance(row)

    def get_instance(self, instance_id: str) -> Instance | None:
        return self._maybe(self._rows.instance, self._one("instance_get", id=instance_id))

    def find_instance_by_idempotency_key(self, key: str) -> Instance | None:
        return self._maybe(self._rows.instance, self._one("instance_by_idempotency_key", key=key))

    def update_instance(
        self,
        instance_id: str,
        *,
        state: Mapping[str, Any],
        status: str,
        expected_version: int,
        now: datetime,
        ended_at: datetime | None = None,
    ) -> int:
        row = self._one(
            "instance_update",
            write=True,
            id=instance_id,
            state=self._c.json(state, f"state of instance {instance_id!r}"),
            status=status,
            expected_version=expected_version,
            now=self._c.ts(aware(now)),
            ended_at=self._c.ts(ended_at),
        )
        if row is None:
            current = self._one("instance_version", id=instance_id)
            raise VersionConflict(
                instance_id, expected_version, None if current is None else current["version"]
            )
        return int(row["version"])

    def list_instances(
        self,
        *,
        status: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        parent_instance_id: str | None = None,
        limit: int = 100,
    ) -> list[Instance]:
        rows = self._all(
            "instance_list",
            status=status,
            process_id=process_id,
            business_key=business_key,
            parent_instance_id=parent_instance_id,
            limit=limit,
        )
        return [self._rows.instance(r) for r in rows]

    def lock_key(self, namespace: str, key: str) -> None:
        if "lock_key" in self._q:
            self._run("lock_key", {"lock": f"{namespace}\x1f{key}"}, write=False).fetchall()

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
    ) -> None:
        self._mut(
            "job_insert",
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            type=type,
            retries=retries,
            due_at=self._c.ts(aware(due_at or now)),
            variables=self._c.json(variables or {}, f"variables of job {id!r}"),
            headers=self._c.json(headers or {}, f"headers of job {id!r}"),
            now=self._c.ts(aware(now)),
        )

    def get_job(self, job_id: str) -> Job | None:
        return self._maybe(self._rows.job, self._one("job_get", id=job_id))

    def jobs_of_instance(self, instance_id: str) -> list[Job]:
        return [self._rows.job(r) for r in self._all("jobs_of_instance", instance_id=instance_id)]

    def _report_outcome(self, job_id: str, attempt: int, done: tuple[str, ...]) -> Outcome:
        row = self._one("job_get", id=job_id)
        if row is None:
            return Outcome.MISSING
        if row["attempt"] == attempt and row["status"] in done:
            return Outcome.DUPLICATE
        return Outcome.STALE

    def complete_job(self, job_id: str, attempt: int, *, now: datetime) -> Outcome:
        row = self._one(
            "job_complete", write=True, id=job_id, attempt=attempt, now=self._c.ts(aware(now))
        )
        if row is not None:
            return Outcome.APPLIED
        return self._report_outcome(job_id, attempt, ("completed",))

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
        row = self._one(
            "job_fail",
            write=True,
            id=job_id,
            attempt=attempt,
            status="ready" if retries > 0 else "failed",
            retries=max(retries, 0),
            error=error,
            due_at=self._c.ts(aware(retry_at or now)),
        )
        if row is not None:
            return Outcome.APPLIED
        return self._report_outcome(job_id, attempt, ("ready", "failed"))

    def retry_job(self, job_id: str, *, retries: int, now: datetime) -> bool:
        row = self._one(
            "job_retry", write=True, id=job_id, retries=retries, now=self._c.ts(aware(now))
        )
        return row is not None

    def cancel_job(self, job_id: str, *, now: datetime) -> bool:
        return (
            self._one("job_cancel", write=True, id=job_id, now=self._c.ts(aware(now))) is not None
        )

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
        self._mut(
            "timer_insert",
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            due_at=self._c.ts(aware(due_at)),
            repeat=repeat,
            now=self._c.ts(aware(now)),
        )

    def get_timer(self, timer_id: str) -> Timer | None:
        return self._maybe(self._rows.timer, self._one("timer_get", id=timer_id))

    def take_timer(self, timer_id: str) -> Timer | None:
        return self._maybe(self._rows.timer, self._one("timer_take", write=True, id=timer_id))

    def cancel_timer(self, timer_id: str) -> bool:
        return self._one("timer_take", write=True, id=timer_id) is not None

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
        self._mut(
            "user_task_insert",
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            name=name,
            assignee=assignee,
            candidate_users=self._c.json(list(candidate_users), "candidate users"),
            candidate_groups=self._c.json(list(candidate_groups), "candidate groups"),
            due_at=self._c.ts(due_at),
            follow_up_at=self._c.ts(follow_up_at),
            form_key=form_key,
            variables=self._c.json(variables or {}, f"variables of user task {id!r}"),
            now=self._c.ts(aware(now)),
        )

    def get_user_task(self, task_id: str) -> UserTask | None:
        return self._maybe(self._rows.user_task, self._one("user_task_get", id=task_id))

    def assign_user_task(self, task_id: str, assignee: str | None) -> bool:
        row = self._one("user_task_assign", write=True, id=task_id, assignee=assignee)
        return row is not None

    def complete_user_task(self, task_id: str, *, by: str | None, now: datetime) -> Outcome:
        row = self._one(
            "user_task_complete", write=True, id=task_id, by=by, now=self._c.ts(aware(now))
        )
        if row is not None:
            return Outcome.APPLIED
        current = self._one("user_task_get", id=task_id)
        if current is None:
            return Outcome.MISSING
        return Outcome.DUPLICATE if current["status"] == "completed" else Outcome.STALE

    def cancel_user_task(self, task_id: str, *, now: datetime) -> bool:
        row = self._one("user_task_cancel", write=True, id=task_id, now=self._c.ts(aware(now)))
        return row is not None

    def list_open_user_tasks(
        self,
        *,
        assignee: str | None = None,
        candidate_user: str | None = None,
        candidate_group: str | None = None,
        instance_id: str | None = None,
        limit: int = 100,
    ) -> list[UserTask]:
        rows = self._all(
            "user_task_list_open",
            assignee=assignee,
            candidate_user=candidate_user,
            candidate_group=candidate_group,
            instance_id=instance_id,
            limit=limit,
        )
        return [self._rows.user_task(r) for r in rows]

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
        self._mut(
            "subscription_insert",
            id=id,
            instance_id=instance_id,
            kind=kind,
            name=name,
            correlation_key=key_in(correlation_key),
            element_id=element_id,
            element_instance_id=element_instance_id,
            now=self._c.ts(aware(now)),
        )

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        row = self._one("subscription_get", id=subscription_id)
        return self._maybe(self._rows.subscription, row)

    def delete_subscription(self, subscription_id: str) -> bool:
        return self._one("subscription_delete", write=True, id=subscription_id) is not None

    def find_subscription(self, name: str, correlation_key: str | None) -> Subscription | None:
        row = self._one("subscription_find", name=name, correlation_key=key_in(correlation_key))
        return self._maybe(self._rows.subscription, row)

    def signal_subscriptions(self, name: str) -> list[Subscription]:
        return [self._rows.subscription(r) for r in self._all("subscription_signal", name=name)]

    def subscriptions_of_instance(self, instance_id: str) -> list[Subscription]:
        rows = self._all("subscriptions_of_instance", instance_id=instance_id)
        return [self._rows.subscription(r) for r in rows]

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
        row = self._one(
            "message_insert",
            write=True,
            id=id,
            name=name,
            correlation_key=key_in(correlation_key),
            variables=self._c.json(variables, f"variables of message {name!r}"),
            now=self._c.ts(aware(now)),
            expires_at=self._c.ts(aware(expires_at)),
        )
        return self._rows.message(row)

    def consume_message(
        self, name: str, correlation_key: str | None, *, consumer: str, now: datetime
    ) -> BufferedMessage | None:
        row = self._one(
            "message_consume",
            write=True,
            name=name,
            correlation_key=key_in(correlation_key),
            consumer=consumer,
            now=self._c.ts(aware(now)),
        )
        return self._maybe(self._rows.message, row)

    def get_message(self, message_id: str) -> BufferedMessage | None:
        return self._maybe(self._rows.message, self._one("message_get", id=message_id))

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
        self._mut(
            "incident_insert",
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            job_id=job_id,
            message=message,
            now=self._c.ts(aware(now)),
        )

    def get_incident(self, incident_id: str) -> Incident | None:
        return self._maybe(self._rows.incident, self._one("incident_get", id=incident_id))

    def resolve_incident(self, incident_id: str, *, now: datetime) -> bool:
        row = self._one("incident_resolve", write=True, id=incident_id, now=self._c.ts(aware(now)))
        return row is not None

    def list_open_incidents(
        self, *, instance_id: str | None = None, limit: int = 100
    ) -> list[Incident]:
        rows = self._all("incident_list_open", instance_id=instance_id, limit=limit)
        return [self._rows.incident(r) for r in rows]

    # -- history ----------------------------------------------------------------------------

    def append_history(self, instance_id: str, events: Sequence[NewEvent]) -> list[HistoryEvent]:
        self._usable("append_history", write=True)
        if not events:
            return []
        head = self._heads.get(instance_id)
        if head is None:
            last = self._one("history_last", instance_id=instance_id)
            head = (0, None) if last is None else (int(last["seq"]), last["hash"])
        seq, prev = head
        built: list[HistoryEvent] = []
        for event in events:
            seq += 1
            ts = aware(event.ts, "history event time").astimezone(UTC)
            digest = event_hash(
                instance_id=instance_id,
                seq=seq,
                ts=ts,
                kind=event.kind,
                element_id=event.element_id,
                element_instance_id=event.element_instance_id,
                actor=event.actor,
                command=event.command,
                data=event.data,
                prev_hash=prev,
            )
            built.append(
                HistoryEvent(
                    id=0,
                    instance_id=instance_id,
                    seq=seq,
                    ts=ts,
                    kind=event.kind,
                    element_id=event.element_id,
                    element_instance_id=event.element_instance_id,
                    actor=event.actor,
                    command=event.command,
                    data=event.data,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        rows = [
            {
                "instance_id": e.instance_id,
                "seq": e.seq,
                "ts": self._c.ts(e.ts),
                "kind": e.kind,
                "element_id": e.element_id,
                "element_instance_id": e.element_instance_id,
                "actor": e.actor,
                "command": e.command,
                "data": self._c.json(e.data, f"data of history event {e.kind!r}"),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in built
        ]
        try:
            ids = self._dialect.execute_many_returning_ids(
                self._conn, self._q["history_insert"], rows
            )
        except self._dialect.driver_error as exc:
            error = self._dialect.translate(exc)
            if isinstance(error, DuplicateKey):
                raise SerializationConflict(
                    f"the history of instance {instance_id!r} was appended to concurrently; "
                    "lock the instance (tx.lock_instance) before appending"
                ) from exc
            raise error from exc
        self._heads[instance_id] = (seq, prev)
        return [_with_id(e, i) for e, i in zip(built, ids, strict=True)]

    def history(self, instance_id: str) -> list[HistoryEvent]:
        rows = self._all("history_of_instance", instance_id=instance_id)
        return [self._rows.history_event(r) for r in rows]

    def history_page(self, after: tuple[str, int], limit: int) -> list[HistoryEvent]:
        rows = self._all("history_page", after_instance=after[0], after_seq=after[1], limit=limit)
        return [self._rows.history_event(r) for r in rows]


def _with_id(event: HistoryEvent, event_id: int) -> HistoryEvent:
    return HistoryEvent(
        id=event_id,
        instance_id=event.instance_id,
        seq=event.seq,
        ts=event.ts,
        kind=event.kind,
        element_id=event.element_id,
        element_instance_id=event.element_instance_id,
        actor=event.actor,
        command=event.command,
        data=event.data,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )
