"""The unit of work of the SQL stores: `Transaction` over a connection and named queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from regista.store.errors import (
    DuplicateKey,
    NotFound,
    SerializationConflict,
    StaleDefinition,
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
from regista.store.sql.base import key_in
from regista.store.sql.historyrows import Link, json_rows, link_events, tuple_rows
from regista.store.sql.session import SqlSession
from regista.store.values import aware, dumps, new_id, sha256_text


class SqlTransaction(SqlSession, Transaction):
    """`Transaction` over a DB-API-like connection and a dialect's named queries (see
    `SqlSession` for how statements travel)."""

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

    def latest_definition_id(self, process_id: str) -> str | None:
        row = self._one("definition_latest_id", process_id=process_id)
        return None if row is None else str(row["id"])

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
        latest: bool = False,
    ) -> Instance:
        text = dumps(state, f"state of instance {id!r}")
        started = aware(now).astimezone(UTC)
        ended = None if ended_at is None else aware(ended_at).astimezone(UTC)
        params = {
            "id": id,
            "definition_id": definition_id,
            "process_id": process_id,
            "business_key": business_key,
            "status": status,
            "state": self._c.json_text(text),
            "parent_instance_id": parent_instance_id,
            "parent_element_instance_id": parent_element_instance_id,
            "idempotency_key": idempotency_key,
            "now": self._c.ts(started),
            "ended_at": self._c.ts(ended),
        }
        at_commit = latest and idempotency_key is None and self._dialect.defers_writes
        if latest and not at_commit and self.latest_definition_id(process_id) != definition_id:
            raise StaleDefinition(process_id, definition_id)
        if at_commit:
            # the check fails the commit if a newer version was deployed meanwhile
            self._queue("instance_insert_latest", params)
            self._checks.append(("latest", process_id, definition_id))
        elif idempotency_key is None:
            # nothing to learn from the result: a clash of ids fails the commit
            self._queue("instance_insert_new", params)
        elif self._one("instance_insert", write=True, **params) is None:
            existing = self.find_instance_by_idempotency_key(idempotency_key)
            raise DuplicateKey(
                f"an instance was already started with idempotency key {idempotency_key!r}",
                existing_id=None if existing is None else existing.id,
            )
        # a new instance has no history yet: appending can skip looking for its head
        self._heads.setdefault(id, (0, None))
        return Instance(
            id=id,
            definition_id=definition_id,
            process_id=process_id,
            business_key=business_key,
            status=status,
            state=state if type(state) is dict else dict(state),
            version=1,
            parent_instance_id=parent_instance_id,
            parent_element_instance_id=parent_element_instance_id,
            idempotency_key=idempotency_key,
            started_at=started,
            ended_at=ended,
            updated_at=started,
        )

    def lock_instance(self, instance_id: str) -> Instance:
        ahead = self._ahead.pop(f"lock:{instance_id}", None)
        if ahead is not None:
            if any(c is ahead for _, _, c in self._pending):
                self.flush()
            self._usable("lock_instance", write=False)
            rows = ahead.fetchall()
            row = rows[0] if rows else None
        else:
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
        deferred: bool = False,
    ) -> int:
        if deferred and self._dialect.defers_writes:
            self._queue(
                "instance_update_checked",
                {
                    "id": instance_id,
                    "state": self._c.json(state, f"state of instance {instance_id!r}"),
                    "status": status,
                    "expected_version": expected_version,
                    "now": self._c.ts(aware(now)),
                    "ended_at": self._c.ts(ended_at),
                },
            )
            self._checks.append(("version", instance_id, expected_version))
            return expected_version + 1
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
        lease_owner: str | None = None,
        lease_until: datetime | None = None,
    ) -> None:
        claimed = _claimed_at_once(lease_owner, lease_until)
        self._mut(
            "job_insert",
            id=id,
            instance_id=instance_id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            type=type,
            retries=retries,
            attempt=1 if claimed else 0,
            status="claimed" if claimed else "ready",
            lease_owner=lease_owner,
            lease_until=self._c.ts(lease_until),
            due_at=self._c.ts(aware(due_at or now)),
            variables=self._c.json(variables or {}, f"variables of job {id!r}"),
            headers=self._c.json(headers or {}, f"headers of job {id!r}"),
            now=self._c.ts(aware(now)),
        )

    def get_job(self, job_id: str) -> Job | None:
        return self._maybe(self._rows.job, self._one("job_get", id=job_id))

    def jobs_of_instance(self, instance_id: str) -> list[Job]:
        return [self._rows.job(r) for r in self._all("jobs_of_instance", instance_id=instance_id)]

    def claim_job(
        self, job_id: str, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> Job | None:
        now = aware(now)
        row = self._one(
            "job_claim_one",
            write=True,
            id=job_id,
            worker_id=worker_id,
            now=self._c.ts(now),
            lease_until=self._c.ts(now + timedelta(seconds=lease_seconds)),
        )
        return self._maybe(self._rows.job, row)

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

    def timers_of_instance(self, instance_id: str) -> list[Timer]:
        rows = self._all("timers_of_instance", instance_id=instance_id)
        return [self._rows.timer(r) for r in rows]

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
        links = self._chain(instance_id, events)
        ids = self._write_history(instance_id, links, returning=True)
        return [link.stored(instance_id, ids[link.seq]) for link in links]

    def add_history(self, instance_id: str, events: Sequence[NewEvent]) -> None:
        self._usable("add_history", write=True)
        if events:
            self._write_history(instance_id, self._chain(instance_id, events), returning=False)

    def _chain(self, instance_id: str, events: Sequence[NewEvent]) -> list[Link]:
        """Number and hash `events` after the head of the instance's chain."""
        head = self._heads.get(instance_id)
        if head is None:
            last = self._one("history_last", instance_id=instance_id)
            head = (0, None) if last is None else (int(last["seq"]), last["hash"])
        return link_events(instance_id, head, events, self._c.ts)

    def _write_history(
        self, instance_id: str, links: list[Link], *, returning: bool
    ) -> dict[int, int]:
        """Insert the events in one statement; with `returning`, their ids by seq."""
        ids: dict[int, int] = {}
        try:
            if self._dialect.history_as_json:
                rows = json_rows(links)
                if returning:
                    found = self._all("history_insert_rows", write=True, rows=rows)
                    ids = {int(r["seq"]): int(r["id"]) for r in found}
                else:
                    self._mut("history_add_rows", rows=rows)
            else:
                self._many("history_add", tuple_rows(instance_id, links, self._c.json_text))
                if returning:
                    found = self._all(
                        "history_ids", instance_id=instance_id, after_seq=links[0].seq - 1
                    )
                    ids = {int(r["seq"]): int(r["id"]) for r in found}
        except SerializationConflict as exc:
            raise SerializationConflict(
                f"the history of instance {instance_id!r} was appended to concurrently; "
                "lock the instance (tx.lock_instance) before appending"
            ) from exc
        except DuplicateKey as exc:
            raise SerializationConflict(
                f"the history of instance {instance_id!r} was appended to concurrently; "
                "lock the instance (tx.lock_instance) before appending"
            ) from exc
        self._heads[instance_id] = (links[-1].seq, links[-1].hash)
        return ids

    def history(self, instance_id: str) -> list[HistoryEvent]:
        rows = self._all("history_of_instance", instance_id=instance_id)
        return [self._rows.history_event(r) for r in rows]

    def history_page(self, after: tuple[str, int], limit: int) -> list[HistoryEvent]:
        rows = self._all("history_page", after_instance=after[0], after_seq=after[1], limit=limit)
        return [self._rows.history_event(r) for r in rows]


def _claimed_at_once(lease_owner: str | None, lease_until: datetime | None) -> bool:
    if (lease_owner is None) != (lease_until is None):
        raise ValueError("a job inserted claimed needs both lease_owner and lease_until")
    return lease_owner is not None
