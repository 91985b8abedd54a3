"""The unit of work of the SQL stores: `Transaction` as named statements of a `SqlSession`.

Each method says which statement to run with which values; how statements travel (queued
and pipelined on PostgreSQL, at once on SQLite) is the session's business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from regista.store.errors import (
    DuplicateKey,
    NotFound,
    SerializationConflict,
    StaleDefinition,
    VersionConflict,
)
from regista.store.interface import Keys, Transaction
from regista.store.params import (
    IncidentQuery,
    InstanceQuery,
    InstanceUpdate,
    JobQuery,
    NewIncident,
    NewInstance,
    NewMessage,
    NewSubscription,
    NewTimer,
    NewUserTask,
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
    Timer,
    UserTask,
)
from regista.store.sql import search
from regista.store.sql.alerts import SqlAlerts
from regista.store.sql.base import hash_in, hash_opt, hash_out, key_in
from regista.store.sql.decision_instances import SqlDecisionInstances
from regista.store.sql.deployments import SqlDeployments
from regista.store.sql.historyrows import (
    HistoryRow,
    Link,
    event_ids,
    json_rows,
    link_events,
    tuple_rows,
)
from regista.store.sql.identity import SqlIdentity
from regista.store.sql.jobs import SqlJobs
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession
from regista.store.sql.statistics import SqlStatistics
from regista.store.sql.steprows import write_steps
from regista.store.sql.variables import SqlVariables
from regista.store.tasklist import UserTaskChanges, UserTaskQuery
from regista.store.values import aware, dumps, new_id, sha256_text, utc, utc_opt

__all__ = ["SqlTransaction"]

_T = TypeVar("_T")

_RENAMES = (
    "job_rename",
    "user_task_rename",
    "timer_rename",
    "subscription_rename",
    "incident_rename",
)

#: Before any end time: where a prune run starts its walk of the end-time index.
_EPOCH = datetime(1, 1, 2, tzinfo=UTC)

_PRUNED_TABLES = (
    "jobs",
    "timers",
    "user_tasks",
    "subscriptions",
    "incidents",
    "instances",
)


def _maybe(mapper: Callable[[Row], _T], row: Row | None) -> _T | None:
    return None if row is None else mapper(row)


class SqlTransaction(
    SqlIdentity,
    SqlJobs,
    SqlDeployments,
    SqlVariables,
    SqlDecisionInstances,
    SqlAlerts,
    SqlStatistics,
    Transaction,
):
    """`Transaction` over the named queries of a dialect (see `SqlSession`)."""

    def __init__(self, session: SqlSession) -> None:
        self.session = session
        self._s = session
        self._c = session.codec
        self._rows = session.rows
        self._heads: dict[str, tuple[int, str | None]] = {}
        """The head (seq, hash) of each history chain this transaction knows."""
        self._element_deltas = {}
        self._latest: dict[str, str] = {}
        """The latest definition id of each process checked in this transaction, so that a
        batch of starts (group commit) reads it once; a deploy here forgets it."""

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
        self.lock_key("definition", process_id)
        self._latest.pop(process_id, None)
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
            deployed_at=aware(now),
            trust=trust,
            deployed_by=deployed_by,
        )
        self._s.write(
            "definition_insert",
            id=definition.id,
            process_id=process_id,
            version=version,
            sha256=digest,
            source=source,
            resource_name=resource_name,
            now=self._c.ts(now),
            trust=trust,
            deployed_by=deployed_by,
        )
        return definition, True

    def get_definition(self, definition_id: str) -> Definition | None:
        return _maybe(self._rows.definition, self._s.one("definition_get", id=definition_id))

    def latest_definition(self, process_id: str) -> Definition | None:
        row = self._s.one("definition_latest", process_id=process_id)
        return _maybe(self._rows.definition, row)

    def latest_definition_id(self, process_id: str) -> str | None:
        row = self._s.one("definition_latest_id", process_id=process_id)
        return None if row is None else str(row["id"])

    def definition_version(self, process_id: str, version: int) -> Definition | None:
        row = self._s.one("definition_version", process_id=process_id, version=version)
        return _maybe(self._rows.definition, row)

    def list_definitions(self, process_id: str | None = None) -> list[Definition]:
        rows = self._s.all("definition_list", process_id=process_id)
        return [self._rows.definition(r) for r in rows]

    # -- instances --------------------------------------------------------------------------

    def insert_instance(self, new: NewInstance, *, now: datetime) -> Instance:
        text = dumps(new.state, f"state of instance {new.id!r}")
        started = utc(now)
        ended = utc_opt(new.ended_at)
        params = {
            "id": new.id,
            "definition_id": new.definition_id,
            "process_id": new.process_id,
            "business_key": new.business_key,
            "status": new.status,
            "state": self._c.json_text(text),
            "parent_instance_id": new.parent_instance_id,
            "parent_element_instance_id": new.parent_element_instance_id,
            "idempotency_key": new.idempotency_key,
            "now": self._c.ts(started),
            "ended_at": self._c.ts(ended),
        }
        latest = ("latest", new.process_id, new.definition_id)
        if new.latest and new.idempotency_key is None:
            # the check fails the commit if a newer version was deployed meanwhile
            checked = self._s.write_checked("instance_insert_latest", params, latest)
        else:
            checked = False
        if not checked:
            if new.latest and self._latest.get(new.process_id) != new.definition_id:
                if self.latest_definition_id(new.process_id) != new.definition_id:
                    raise StaleDefinition(new.process_id, new.definition_id)
                self._latest[new.process_id] = new.definition_id
            if new.idempotency_key is None:
                # nothing to learn from the result: a clash of ids fails the commit
                self._s.write("instance_insert_new", **params)
            elif self._s.one("instance_insert", write=True, **params) is None:
                existing = self.find_instance_by_idempotency_key(new.idempotency_key)
                raise DuplicateKey(
                    f"an instance was already started with idempotency key {new.idempotency_key!r}",
                    existing_id=None if existing is None else existing.id,
                )
        # a new instance has no history yet: appending can skip looking for its head
        self._heads.setdefault(new.id, (0, None))
        state = new.state
        return Instance(
            id=new.id,
            definition_id=new.definition_id,
            process_id=new.process_id,
            business_key=new.business_key,
            status=new.status,
            state=state if type(state) is dict else dict(state),
            version=1,
            parent_instance_id=new.parent_instance_id,
            parent_element_instance_id=new.parent_element_instance_id,
            idempotency_key=new.idempotency_key,
            started_at=started,
            ended_at=ended,
            updated_at=started,
        )

    def lock_instance(self, instance_id: str) -> Instance:
        ahead = self._s.take_ahead(f"lock:{instance_id}")
        if ahead is not None:
            row = ahead[0] if ahead else None
        else:
            row = self._s.one("instance_lock", id=instance_id)
        if row is None:
            raise NotFound(f"there is no process instance {instance_id!r}")
        # the instance is ours until commit, so its history head cannot move under us
        self._heads.setdefault(
            instance_id, (row["history_seq"] or 0, hash_opt(row["history_hash"]))
        )
        return self._rows.instance(row)

    def will_lock(self, instance_id: str) -> None:
        self._s.read_ahead(f"lock:{instance_id}", "instance_lock", id=instance_id)

    def get_instance(self, instance_id: str) -> Instance | None:
        return _maybe(self._rows.instance, self._s.one("instance_get", id=instance_id))

    def find_instance_by_idempotency_key(self, key: str) -> Instance | None:
        row = self._s.one("instance_by_idempotency_key", key=key)
        return _maybe(self._rows.instance, row)

    def update_instance(self, update: InstanceUpdate, *, now: datetime) -> int:
        params = {
            "id": update.id,
            "state": self._c.json(update.state, f"state of instance {update.id!r}"),
            "expected_version": update.expected_version,
            "now": self._c.ts(aware(now)),
        }
        name = "instance_update"
        if update.same_status and update.ended_at is None:
            name = "instance_update_state"  # the indexes over the status stay as they are
        else:
            params["status"] = update.status
            params["ended_at"] = self._c.ts(update.ended_at)
        check = ("version", update.id, update.expected_version)
        if update.deferred and self._s.write_checked(f"{name}_checked", params, check):
            return update.expected_version + 1
        row = self._s.one(name, write=True, **params)
        if row is None:
            current = self._s.one("instance_version", id=update.id)
            raise VersionConflict(
                update.id,
                update.expected_version,
                None if current is None else current["version"],
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
        return search.list_instances(
            self._s,
            status=status,
            process_id=process_id,
            business_key=business_key,
            parent_instance_id=parent_instance_id,
            limit=limit,
        )

    def page_instances(self, query: InstanceQuery) -> list[Instance]:
        return search.page_instances(self._s, query)

    def count_instances(self, query: InstanceQuery, *, cap: int) -> int:
        return search.count_instances(self._s, query, cap)

    def instance_keys(self, instance_ids: Iterable[str]) -> dict[str, InstanceKeys]:
        wanted = sorted(set(instance_ids))
        if not wanted:
            return {}
        rows = self._s.all("instance_keys", ids=self._c.text_list(wanted))
        return {str(r["id"]): InstanceKeys(str(r["process_id"]), r["business_key"]) for r in rows}

    def redefine_instance(
        self, instance_id: str, *, definition_id: str, process_id: str, rows: Mapping[str, str]
    ) -> None:
        # the element totals follow the instance (after this transaction's own events)
        self.settle_element_counts()
        self._s.change("element_counts_move", id=instance_id, definition_id=definition_id)
        self._s.change(
            "instance_redefine", id=instance_id, definition_id=definition_id, process_id=process_id
        )
        self._s.write(
            "steps_redefine", id=instance_id, definition_id=definition_id, process_id=process_id
        )
        for row_id, element_id in sorted(rows.items()):
            for name in _RENAMES:  # ids are unique across the tables: one of them matches
                self._s.change(name, id=instance_id, row_id=row_id, element_id=element_id)

    def lock_key(self, namespace: str, key: str, *, shared: bool = False) -> None:
        name = "lock_key_shared" if shared else "lock_key"
        if self._s.has(name):
            self._s.all(name, lock=f"{namespace}\x1f{key}")
        else:
            self._s.check_usable(name, write=False)

    # -- timers -----------------------------------------------------------------------------

    def insert_timer(self, new: NewTimer, *, now: datetime) -> None:
        self._s.write(
            "timer_insert",
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            due_at=self._c.ts(aware(new.due_at)),
            repeat=new.repeat,
            now=self._c.ts(aware(now)),
        )

    def get_timer(self, timer_id: str) -> Timer | None:
        return _maybe(self._rows.timer, self._s.one("timer_get", id=timer_id))

    def timers_of_instance(self, instance_id: str) -> list[Timer]:
        rows = self._s.all("timers_of_instance", instance_id=instance_id)
        return [self._rows.timer(r) for r in rows]

    def take_timer(self, timer_id: str) -> Timer | None:
        return _maybe(self._rows.timer, self._s.one("timer_take", write=True, id=timer_id))

    def cancel_timer(self, timer_id: str) -> bool:
        return self._s.one("timer_take", write=True, id=timer_id) is not None

    # -- user tasks -------------------------------------------------------------------------

    def insert_user_task(self, new: NewUserTask, *, now: datetime) -> None:
        self._s.write(
            "user_task_insert",
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            name=new.name,
            assignee=new.assignee,
            candidate_users=self._c.json(list(new.candidate_users), "candidate users"),
            candidate_groups=self._c.json(list(new.candidate_groups), "candidate groups"),
            due_at=self._c.ts(new.due_at),
            follow_up_at=self._c.ts(new.follow_up_at),
            form_key=new.form_key,
            variables=self._c.json(new.variables, f"variables of user task {new.id!r}"),
            now=self._c.ts(aware(now)),
            priority=new.priority,
        )

    def get_user_task(self, task_id: str) -> UserTask | None:
        return _maybe(self._rows.user_task, self._s.one("user_task_get", id=task_id))

    def assign_user_task(self, task_id: str, assignee: str | None) -> bool:
        row = self._s.one("user_task_assign", write=True, id=task_id, assignee=assignee)
        return row is not None

    def complete_user_task(self, task_id: str, *, by: str | None, now: datetime) -> Outcome:
        row = self._s.one(
            "user_task_complete", write=True, id=task_id, by=by, now=self._c.ts(aware(now))
        )
        if row is not None:
            return Outcome.APPLIED
        current = self._s.one("user_task_get", id=task_id)
        if current is None:
            return Outcome.MISSING
        return Outcome.DUPLICATE if current["status"] == "completed" else Outcome.STALE

    def cancel_user_task(self, task_id: str, *, now: datetime) -> bool:
        row = self._s.one("user_task_cancel", write=True, id=task_id, now=self._c.ts(aware(now)))
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
        query = UserTaskQuery(
            states=("open",),
            assignee=assignee,
            candidate_user=candidate_user,
            candidate_group=candidate_group,
            instance_id=instance_id,
            limit=limit,
        )
        return search.page_user_tasks(self._s, query)

    def search_user_tasks(self, query: UserTaskQuery) -> tuple[list[UserTask], int]:
        return search.search_user_tasks(self._s, query)

    def update_user_task(self, task_id: str, changes: UserTaskChanges) -> bool:
        row = self._s.one(
            "user_task_update",
            write=True,
            id=task_id,
            due_at=self._c.ts(changes.due_at),
            follow_up_at=self._c.ts(changes.follow_up_at),
            candidate_users=self._c.json(list(changes.candidate_users), "candidate users"),
            candidate_groups=self._c.json(list(changes.candidate_groups), "candidate groups"),
            priority=changes.priority,
        )
        return row is not None

    # -- subscriptions and messages ---------------------------------------------------------

    def insert_subscription(self, new: NewSubscription, *, now: datetime) -> None:
        self._s.write(
            "subscription_insert",
            id=new.id,
            instance_id=new.instance_id,
            kind=new.kind,
            name=new.name,
            correlation_key=key_in(new.correlation_key),
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            now=self._c.ts(aware(now)),
        )

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        row = self._s.one("subscription_get", id=subscription_id)
        return _maybe(self._rows.subscription, row)

    def delete_subscription(self, subscription_id: str) -> bool:
        return self._s.one("subscription_delete", write=True, id=subscription_id) is not None

    def find_subscription(self, name: str, keys: Keys) -> Subscription | None:
        if keys is None:
            row = self._s.one("subscription_match_any", name=name)
        else:
            row = self._s.one("subscription_match", name=name, keys=self._keys(keys))
        return _maybe(self._rows.subscription, row)

    def signal_subscriptions(self, name: str) -> list[Subscription]:
        rows = self._s.all("subscription_signal", name=name)
        return [self._rows.subscription(r) for r in rows]

    def subscriptions_of_instance(self, instance_id: str) -> list[Subscription]:
        rows = self._s.all("subscriptions_of_instance", instance_id=instance_id)
        return [self._rows.subscription(r) for r in rows]

    def buffer_message(self, new: NewMessage, *, now: datetime) -> BufferedMessage:
        row = self._s.one(
            "message_insert",
            write=True,
            id=new.id,
            name=new.name,
            correlation_key=key_in(new.correlation_key),
            variables=self._c.json(new.variables, f"variables of message {new.name!r}"),
            now=self._c.ts(aware(now)),
            expires_at=self._c.ts(aware(new.expires_at)),
        )
        return self._rows.message(row)

    def take_message(
        self, name: str, keys: Keys, *, consumer: str, now: datetime
    ) -> BufferedMessage | None:
        ts = self._c.ts(aware(now))
        if keys is None:
            row = self._s.one("message_take_any", write=True, name=name, consumer=consumer, now=ts)
        else:
            row = self._s.one(
                "message_take",
                write=True,
                name=name,
                keys=self._keys(keys),
                consumer=consumer,
                now=ts,
            )
        return _maybe(self._rows.message, row)

    def get_message(self, message_id: str) -> BufferedMessage | None:
        return _maybe(self._rows.message, self._s.one("message_get", id=message_id))

    def _keys(self, keys: Sequence[str | None]) -> Any:
        return self._c.text_list(sorted({key_in(k or None) for k in keys}))

    # -- incidents --------------------------------------------------------------------------

    def insert_incident(self, new: NewIncident, *, now: datetime) -> None:
        self._s.write(
            "incident_insert",
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            job_id=new.job_id,
            message=new.message,
            error_type=new.error_type,
            now=self._c.ts(aware(now)),
        )

    def get_incident(self, incident_id: str) -> Incident | None:
        return _maybe(self._rows.incident, self._s.one("incident_get", id=incident_id))

    def resolve_incident(self, incident_id: str, *, now: datetime) -> bool:
        row = self._s.one(
            "incident_resolve", write=True, id=incident_id, now=self._c.ts(aware(now))
        )
        return row is not None

    def list_open_incidents(
        self, *, instance_id: str | None = None, limit: int = 100
    ) -> list[Incident]:
        query = IncidentQuery(instance_id=instance_id, resolved=False, limit=limit)
        return search.page_incidents(self._s, query)

    def page_incidents(self, query: IncidentQuery) -> list[Incident]:
        return search.page_incidents(self._s, query)

    def count_incidents(self, query: IncidentQuery, *, cap: int) -> int:
        return search.count_incidents(self._s, query, cap)

    def page_jobs(self, query: JobQuery) -> list[Job]:
        return search.page_jobs(self._s, query)

    def count_jobs(self, query: JobQuery, *, cap: int) -> int:
        return search.count_jobs(self._s, query, cap)

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
        return search.claim_message_id(
            self._s,
            name,
            correlation_key,
            message_id,
            message_key=message_key,
            expires_at=expires_at,
            now=now,
        )

    # -- history ----------------------------------------------------------------------------

    def append_history(self, instance_id: str, events: Sequence[NewEvent]) -> list[HistoryEvent]:
        self._s.check_usable("append_history", write=True)
        if not events:
            return []
        links, rows = self._chain(instance_id, events)
        ids = self._write_history(instance_id, links, rows, returning=True)
        return [link.stored(instance_id, ids[link.seq]) for link in links]

    def add_history(self, instance_id: str, events: Sequence[NewEvent]) -> None:
        self._s.check_usable("add_history", write=True)
        if events:
            links, rows = self._chain(instance_id, events)
            self._write_history(instance_id, links, rows, returning=False)

    def _chain(
        self, instance_id: str, events: Sequence[NewEvent]
    ) -> tuple[list[Link], list[HistoryRow]]:
        """Number, group into rows and hash `events` after the head of the instance's chain."""
        head = self._heads.get(instance_id)
        if head is None:
            last = self._s.one("history_last", instance_id=instance_id)
            head = (0, None) if last is None else (int(last["seq"]), hash_out(last["hash"]))
        return link_events(instance_id, head, events, self._c.ts)

    def _write_history(
        self, instance_id: str, links: list[Link], rows: list[HistoryRow], *, returning: bool
    ) -> dict[int, int]:
        """Insert the rows in one statement; with `returning`, the events' ids by seq."""
        ids: dict[int, int] = {}
        try:
            if self._s.dialect.history_as_json:
                data = json_rows(instance_id, rows)
                if returning:
                    ids = event_ids(self._s.all("history_insert_rows", write=True, rows=data))
                else:
                    self._s.write("history_add_rows", rows=data)
            else:
                self._s.write_many("history_add", tuple_rows(instance_id, links, rows))
                if returning:
                    found = self._s.all(
                        "history_ids", instance_id=instance_id, after_seq=links[0].seq - 1
                    )
                    ids = event_ids(found)
        except (SerializationConflict, DuplicateKey) as exc:
            raise SerializationConflict(
                f"the history of instance {instance_id!r} was appended to concurrently; "
                "lock the instance (tx.lock_instance) before appending"
            ) from exc
        self._heads[instance_id] = (links[-1].seq, links[-1].hash)
        # process intelligence's steps move with the history, in the same transaction
        write_steps(self._s, instance_id, links)
        self.gather_element_events(instance_id, links)
        # the recorded head moves with the chain, in the same transaction
        self._s.write(
            "history_head_set",
            instance_id=instance_id,
            seq=links[-1].seq,
            hash=hash_in(links[-1].hash),
        )
        return ids

    def history(self, instance_id: str) -> list[HistoryEvent]:
        rows = self._s.all("history_of_instance", instance_id=instance_id)
        return [self._rows.history_event(r) for r in rows]

    def history_head(self, instance_id: str) -> HistoryHead | None:
        """The recorded head of one instance's chain (None: no history recorded)."""
        row = self._s.one("history_head_get", instance_id=instance_id)
        return None if row is None else _head(row)

    def history_heads_page(self, after: str, limit: int) -> list[HistoryHead]:
        """Recorded chain heads of the instances after `after`, by instance id."""
        return [_head(r) for r in self._s.all("history_heads_page", after=after, limit=limit)]

    def history_page(self, after: tuple[str, int], limit: int) -> list[HistoryEvent]:
        """Events of every instance after `after` (instance id, seq), in that order."""
        rows = self._s.all("history_page", after_instance=after[0], after_seq=after[1], limit=limit)
        return [self._rows.history_event(r) for r in rows]

    # -- retention --------------------------------------------------------------------------

    def prune(
        self, *, ended_before: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> Pruned:
        if limit <= 0:
            return Pruned()
        since, after_id = after if after is not None else (_EPOCH, "")
        params = {
            "before": self._c.ts(aware(ended_before)),
            "after_ended": self._c.ts(aware(since)),
            "after_id": after_id,
            "limit": limit,
        }
        if self._s.has("prune_batch"):  # PostgreSQL: the whole batch in one round trip
            row = self._s.one("prune_batch", write=True, **params)
            if row is None or row["id"] is None:
                return Pruned()
            counts = {table: int(row[table]) for table in ("history", *_PRUNED_TABLES)}
            return Pruned(**counts, last=(self._c.ts_out(row["ended_at"]), str(row["id"])))
        rows = self._s.all("prunable", write=True, **params)
        ids = [str(r["id"]) for r in rows]
        if not ids:
            return Pruned()
        param = self._c.text_list(ids)
        # pruned instances leave the element totals (counted from the history, before it goes)
        self._s.change("element_counts_forget", ids=param)
        # a history row holds a command's events: the count is of the events it held
        counts = {
            "history": sum(
                int(r["n"]) for r in self._s.all("delete_history", write=True, ids=param)
            )
        }
        for table in _PRUNED_TABLES:
            counts[table] = self._s.change(f"delete_{table}", ids=param)
        # whole instances go, so their chain heads, variables and steps go with them
        self._s.change("delete_history_heads", ids=param)
        self._s.change("delete_variables", ids=param)
        self._s.change("delete_decision_instances", ids=param)
        self._s.change("delete_sla_breaches", ids=param)
        self._s.change("delete_steps", ids=param)
        last = (self._c.ts_out(rows[-1]["ended_at"]), ids[-1])
        return Pruned(**counts, last=last)

    def count_prunable(self, *, ended_before: datetime) -> int:
        row = self._s.one("count_prunable", before=self._c.ts(aware(ended_before)))
        return 0 if row is None else int(row["n"])


def _head(row: Any) -> HistoryHead:
    return HistoryHead(str(row["instance_id"]), int(row["seq"]), hash_out(row["hash"]))
