"""The store interface: what the runtime needs from persistence, and nothing more.

The store does I/O and nothing else: every operation the runtime needs is a method here,
which each backend implements (`SqliteStore` and `PostgresStore` over `regista.store.sql`,
`MemoryStore` in `regista.store.memory`); what a command means is decided by the engine and
the runtime. One command = one transaction (docs/architecture.md, "The one shell")::

    with store.transaction() as tx:
        inst = tx.lock_instance(instance_id)        # FOR UPDATE / under BEGIN IMMEDIATE
        state, effects = engine.step(InstanceState.from_json(inst.state), command, ctx)
        tx.update_instance(InstanceUpdate(inst.id, state.to_json(), state.status,
                                          inst.version), now=ctx.now)
        for effect in effects: ...                  # one call per effect, see below
        tx.add_history(inst.id, events)             # or append_history, to read them back
    # committed here; an exception anywhere in the block rolls all of it back

Engine effects map to calls on the transaction: CreateJob -> `insert_job`, RetryJob ->
`retry_job`, CancelJob -> `cancel_job`, CreateUserTask / CancelUserTask ->
`insert_user_task` / `cancel_user_task`, ScheduleTimer / CancelTimer -> `insert_timer` /
`cancel_timer`, OpenSubscription / CloseSubscription -> `insert_subscription` /
`delete_subscription`, RaiseIncident / ResolveIncidentEffect -> `insert_incident` /
`resolve_incident`, InstanceMigrated -> `redefine_instance`, History -> `add_history`.
Rows to write are parameter objects (`regista.store.params`); values must be JSON-safe (the
engine's `to_json` forms); times must be timezone-aware.

The three implementations share this contract and one integration suite. All times are
passed in by the caller (`now`), so tests drive leases and timers with a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Literal, Protocol

from regista.store.alerts import AlertTransaction
from regista.store.decision_instances import DecisionInstanceTransaction
from regista.store.deployments import DeploymentTransaction
from regista.store.identity import IdentityTransaction
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
    NewTimer,
    NewUserTask,
)
from regista.store.records import (
    BrokenLink,
    BufferedMessage,
    Definition,
    Gauges,
    HistoryEvent,
    HistoryHead,
    Incident,
    Instance,
    InstanceKeys,
    Job,
    NewEvent,
    Node,
    Outcome,
    Pruned,
    Subscription,
    Timer,
    UserTask,
)
from regista.store.statistics import StatisticsTransaction
from regista.store.tasklist import UserTaskChanges, UserTaskQuery
from regista.store.variables import VariableTransaction

SchemaMode = Literal["migrate", "check", "ignore"]
"""What a store does on open when its schema is not the latest: apply the missing migrations,
refuse (`SchemaOutdated`), or carry on (for `regista db status`). A schema newer than this
Regista is refused by "migrate" and "check"."""

Keys = Sequence[str | None] | None
"""Which correlation keys a lookup of subscriptions or kept messages accepts: those listed
(None in the list stands for "no key"), or any key at all when the whole is None. Which keys
match which is the runtime's rule (`regista.runtime.messages`); the store only filters."""


class Transaction(
    IdentityTransaction,
    DeploymentTransaction,
    VariableTransaction,
    DecisionInstanceTransaction,
    AlertTransaction,
    StatisticsTransaction,
    Protocol,
):
    """One unit of work; everything done through it commits or rolls back together.

    The identity operations (users, groups, API keys) are declared in `store/identity.py`,
    the deployment operations in `store/deployments.py`, the variable rows in
    `store/variables.py`, the evaluated decisions in `store/decision_instances.py`, SLA and
    alert operations in `store/alerts.py`, the statistics in `store/statistics.py`.

    Write methods raise `StoreError` when the transaction was opened with `write=False`.
    """

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
        """Store `source` as the next version of `process_id`, unless it equals the latest
        and has the same `trust`; the new row's id is `definition_id` (default: one made up
        by the store), recorded with its trust and who deployed it.

        Returns the definition and whether a new version was created.
        """
        ...

    def get_definition(self, definition_id: str) -> Definition | None: ...

    def latest_definition(self, process_id: str) -> Definition | None: ...

    def latest_definition_id(self, process_id: str) -> str | None:
        """The id of the latest version of `process_id` (cheaper than the whole row when the
        caller already knows that version's source)."""
        ...

    def definition_version(self, process_id: str, version: int) -> Definition | None: ...

    def list_definitions(self, process_id: str | None = None) -> list[Definition]: ...

    # -- instances --------------------------------------------------------------------------

    def insert_instance(self, new: NewInstance, *, now: datetime) -> Instance:
        """Insert a new instance at version 1.

        Raises `DuplicateKey` (with `existing_id`) when the idempotency key is taken. With
        `new.latest`, the instance is inserted only if its definition is the latest version
        of its process; else `StaleDefinition` (retryable) — raised by the commit on a store
        that sends the insert with it (so a caller may start on a version it remembers as
        the latest without reading it first).
        """
        ...

    def lock_instance(self, instance_id: str) -> Instance:
        """Load an instance and hold it until the end of the transaction.

        Raises `NotFound` if there is none and `CorruptState` if its state is unreadable.
        """
        ...

    def will_lock(self, instance_id: str) -> None:
        """A hint: `lock_instance(instance_id)` follows. A store that queues statements
        (PostgreSQL) sends the lock with the next statement, in the order of the calls, so
        that e.g. locking an instance and completing its job is one round trip."""
        ...

    def get_instance(self, instance_id: str) -> Instance | None:
        """Load an instance without locking it."""
        ...

    def find_instance_by_idempotency_key(self, key: str) -> Instance | None: ...

    def update_instance(self, update: InstanceUpdate, *, now: datetime) -> int:
        """Write a new state if the row is still at `update.expected_version`; return the
        new version.

        Raises `VersionConflict` otherwise — with `update.deferred`, a store may send the
        update with the commit and raise the `VersionConflict` from the commit instead
        (nothing is committed then); the version returned assumes the check passes. For a
        unit of work that locked the instance, where a conflict means a bug, not a race.
        """
        ...

    def list_instances(
        self,
        *,
        status: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        parent_instance_id: str | None = None,
        limit: int = 100,
    ) -> list[Instance]: ...

    def page_instances(self, query: InstanceQuery) -> list[Instance]:
        """A page of instances (for the API's searches; see `InstanceQuery`)."""
        ...

    def count_instances(self, query: InstanceQuery, *, cap: int) -> int:
        """How many instances the filters of `query` match, counting up to `cap`."""
        ...

    def instance_keys(self, instance_ids: Iterable[str]) -> dict[str, InstanceKeys]:
        """The process id and business key of each of these instances that exists."""
        ...

    def redefine_instance(
        self, instance_id: str, *, definition_id: str, process_id: str, rows: Mapping[str, str]
    ) -> None:
        """Point the instance at `definition_id` (a migration) and give the rows of `rows`
        (job, user task, timer, subscription or incident id -> element id) their new
        element id."""
        ...

    def lock_key(self, namespace: str, key: str, *, shared: bool = False) -> None:
        """Serialize transactions on an arbitrary key until commit (e.g. message name + key,
        so a publisher and a subscriber cannot miss each other); `shared` holders only wait
        for an exclusive one. No-op where transactions are already serial (SQLite, memory).
        """
        ...

    # -- jobs -------------------------------------------------------------------------------

    def insert_job(self, new: NewJob, *, now: datetime) -> None:
        """Insert a job ready to be claimed — or, with a lease in `new`, already claimed by
        that worker (attempt 1), as if it had claimed it at once: the node whose unit of
        work creates a job it can run takes it without another transaction, and if the node
        dies the lease runs out as after any claim."""
        ...

    def get_job(self, job_id: str) -> Job | None: ...

    def jobs_of_instance(self, instance_id: str) -> list[Job]: ...

    def claim_job(
        self, job_id: str, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> Job | None:
        """Lease one job by its id to `worker_id` (a next attempt), whatever its due time,
        when it is ready or its lease ran out; None otherwise. For a caller that picks the
        job itself (a test runtime completing a job nobody's worker handles)."""
        ...

    def claim_jobs(
        self,
        types: Sequence[str],
        worker_id: str,
        *,
        limit: int,
        lease_seconds: float,
        now: datetime,
    ) -> list[Job]:
        """`Store.claim_jobs` within this transaction (without `then`: the caller goes on
        in it), so that an activation can share a transaction with other units of work."""
        ...

    def complete_job(self, job_id: str, attempt: int, *, now: datetime) -> Outcome:
        """Mark a claimed job completed if `attempt` is its current attempt.

        APPLIED: step the engine with CompleteJob. DUPLICATE / STALE / MISSING: do nothing.
        """
        ...

    def fail_job(
        self, job_id: str, attempt: int, *, error: str, now: datetime, details: str | None = None
    ) -> Outcome:
        """Record a failed attempt: a claimed job at `attempt` becomes `failed` (claimable
        no more, no retries left, its lease released) with `error` and the worker's
        `details` (such as a stack trace).

        APPLIED: step the engine with FailJob, which says whether the job is retried
        (`retry_job`) or stays failed behind an incident. DUPLICATE / STALE / MISSING: do
        nothing.
        """
        ...

    def retry_job(self, job_id: str, *, retries: int, due_at: datetime) -> bool:
        """Make a failed job claimable again at `due_at`, with `retries` left. False if it
        is not failed."""
        ...

    def update_job(
        self, job_id: str, *, retries: int | None = None, lease_until: datetime | None = None
    ) -> bool:
        """An operator's change to an unfinished job: its `retries`, and the end of the lease
        of a claimed one (Camunda's job timeout). False if the job is finished or missing."""
        ...

    def cancel_job(self, job_id: str, *, now: datetime) -> bool:
        """Cancel an unfinished job; a late report from its worker will be STALE."""
        ...

    # -- timers -----------------------------------------------------------------------------

    def insert_timer(self, new: NewTimer, *, now: datetime) -> None: ...

    def get_timer(self, timer_id: str) -> Timer | None: ...

    def timers_of_instance(self, instance_id: str) -> list[Timer]:
        """The scheduled timers of an instance (`""`: the timer start events), earliest
        first."""
        ...

    def take_timer(self, timer_id: str) -> Timer | None:
        """Remove a timer to fire it; None if it was already fired or cancelled."""
        ...

    def cancel_timer(self, timer_id: str) -> bool: ...

    # -- user tasks -------------------------------------------------------------------------

    def insert_user_task(self, new: NewUserTask, *, now: datetime) -> None: ...

    def get_user_task(self, task_id: str) -> UserTask | None: ...

    def assign_user_task(self, task_id: str, assignee: str | None) -> bool: ...

    def complete_user_task(self, task_id: str, *, by: str | None, now: datetime) -> Outcome:
        """APPLIED the first time; DUPLICATE if already completed; STALE if cancelled."""
        ...

    def cancel_user_task(self, task_id: str, *, now: datetime) -> bool: ...

    def list_open_user_tasks(
        self,
        *,
        assignee: str | None = None,
        candidate_user: str | None = None,
        candidate_group: str | None = None,
        instance_id: str | None = None,
        limit: int = 100,
    ) -> list[UserTask]: ...

    def search_user_tasks(self, query: UserTaskQuery) -> tuple[list[UserTask], int]:
        """One page of the tasks matching `query`, and how many match in all."""
        ...

    def update_user_task(self, task_id: str, changes: UserTaskChanges) -> bool:
        """Write `changes` to an open task; False when it is not open."""
        ...

    # -- message and signal subscriptions, buffered messages --------------------------------

    def insert_subscription(self, new: NewSubscription, *, now: datetime) -> None: ...

    def get_subscription(self, subscription_id: str) -> Subscription | None: ...

    def delete_subscription(self, subscription_id: str) -> bool: ...

    def find_subscription(self, name: str, keys: Keys) -> Subscription | None:
        """The oldest message subscription of `name` waiting for one of `keys`."""
        ...

    def signal_subscriptions(self, name: str) -> list[Subscription]: ...

    def subscriptions_of_instance(self, instance_id: str) -> list[Subscription]: ...

    def buffer_message(self, new: NewMessage, *, now: datetime) -> BufferedMessage:
        """Keep a message nobody waits for yet, until `new.expires_at`."""
        ...

    def take_message(
        self, name: str, keys: Keys, *, consumer: str, now: datetime
    ) -> BufferedMessage | None:
        """Consume the oldest unexpired kept message of `name` with one of `keys`; at most
        one consumer ever gets a given message."""
        ...

    def get_message(self, message_id: str) -> BufferedMessage | None: ...

    # -- incidents --------------------------------------------------------------------------

    def insert_incident(self, new: NewIncident, *, now: datetime) -> None: ...

    def get_incident(self, incident_id: str) -> Incident | None: ...

    def resolve_incident(self, incident_id: str, *, now: datetime) -> bool: ...

    def list_open_incidents(
        self, *, instance_id: str | None = None, limit: int = 100
    ) -> list[Incident]: ...

    def page_incidents(self, query: IncidentQuery) -> list[Incident]:
        """A page of incidents, open and resolved (see `IncidentQuery`)."""
        ...

    def count_incidents(self, query: IncidentQuery, *, cap: int) -> int:
        """How many incidents the filters of `query` match, counting up to `cap`."""
        ...

    def page_jobs(self, query: JobQuery) -> list[Job]:
        """A page of jobs, in any state, by key (see `JobQuery`)."""
        ...

    def count_jobs(self, query: JobQuery, *, cap: int) -> int:
        """How many jobs the filters of `query` match, counting up to `cap`."""
        ...

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
        """Record that the message `message_id` (of `name` and `correlation_key`) is
        published as `message_key` and lives until `expires_at`; False, recording nothing,
        while an earlier one with that id lives."""
        ...

    # -- history ----------------------------------------------------------------------------

    def append_history(self, instance_id: str, events: Sequence[NewEvent]) -> list[HistoryEvent]:
        """Append events to the instance's hash chain (lock the instance first)."""
        ...

    def add_history(self, instance_id: str, events: Sequence[NewEvent]) -> None:
        """`append_history` without reading anything back: the events are chained the same
        way, and a store may send them with a later statement of the transaction (at the
        latest with the commit, which fails if they cannot be written)."""
        ...

    def history(self, instance_id: str) -> list[HistoryEvent]: ...

    # -- retention --------------------------------------------------------------------------

    def prune(
        self, *, ended_before: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> Pruned:
        """Remove up to `limit` prunable instances that ended before `ended_before` (oldest
        first), with their history, jobs, timers, user tasks, subscriptions and incidents.
        With `after` (the `last` of the previous batch of a run), only instances after that
        end time and id: a run walks the end-time index once, never again over instances
        it left.

        An instance is prunable once it ended, unless work for it is still in flight (an
        unfinished job, such as an outbox job that notifies its parent, or an open
        incident) or its parent runs or ended after the cutoff, so a call tree goes as a
        whole. PostgreSQL skips instances another transaction holds (the next round takes
        them). Removing an instance frees its idempotency key; the hash chains of all the
        others stay intact.
        """
        ...

    def count_prunable(self, *, ended_before: datetime) -> int:
        """How many instances `prune` with this cutoff would remove now (all batches)."""
        ...


class Store(Protocol):
    """A database holding process definitions, instances and everything they wait for."""

    @property
    def dialect(self) -> str:
        """`sqlite`, `postgres` or `memory`."""
        ...

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        """Open a unit of work: commit on normal exit, roll back on any exception."""
        ...

    def schema_version(self) -> int:
        """The version of the database schema (0 for an empty database)."""
        ...

    def upgrade(self, *, fresh_schema: bool = True) -> list[int]:
        """Apply the missing migrations in one transaction; return the versions applied.

        Raises `SchemaTooNew` for a schema newer than this Regista.
        """
        ...

    # Each of the following runs in a transaction of its own.

    def reserve_id_block(self) -> int:
        """A block number never given before by this database (a counter that only grows,
        whatever rolls back), from which the runtime numbers ids (`regista.runtime.ids`)."""
        ...

    def claim_jobs(
        self,
        types: Sequence[str],
        worker_id: str,
        *,
        limit: int,
        lease_seconds: float,
        now: datetime,
        then: Callable[[Transaction, list[Job]], None] | None = None,
    ) -> list[Job]:
        """Lease up to `limit` claimable jobs of these types (ready and due, or with an
        expired lease) to `worker_id`; each claim increments the job's attempt. `then` runs
        in the claim's transaction with the jobs claimed (to record the claims)."""
        ...

    def extend_lease(
        self, job_id: str, attempt: int, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> bool:
        """Heartbeat of a long job; False if the worker no longer holds this attempt."""
        ...

    def release_leases(self, worker_id: str, *, now: datetime) -> int:
        """Hand back every job `worker_id` holds (graceful shutdown); returns how many."""
        ...

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        """Timers due at `now`, oldest first (leased or not)."""
        ...

    def claim_timers(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[Timer]:
        """Lease due timers so that nodes sharing the database do not fire the same one."""
        ...

    def release_timer_leases(self, worker_id: str, *, now: datetime) -> int:
        """Hand back the leases of the due timers `worker_id` did not fire (a node that
        stops), so another node fires them at once; returns how many."""
        ...

    def next_timer_due(self) -> datetime | None:
        """When the earliest timer is due, so a scheduler can sleep until then."""
        ...

    def purge_messages(self, *, now: datetime, limit: int = 1000) -> int:
        """Delete up to `limit` expired buffered messages; returns how many."""
        ...

    def gauges(self, now: datetime) -> Gauges:
        """Counts of what runs at `now` (running instances, waiting tokens, activatable
        jobs, open incidents) for metrics, in one read-only transaction: grouped counts
        over the rows of running work, never over the history."""
        ...

    def verify_chain(self, instance_id: str | None = None) -> BrokenLink | None:
        """Check the history hash chains (one instance or all) and their recorded heads;
        the first broken link."""
        ...

    def audit_history(
        self,
        instance_id: str | None = None,
        anchor: Mapping[str, HistoryHead] | None = None,
        *,
        limit: int = 100,
    ) -> list[BrokenLink]:
        """Up to `limit` problems of the audit trail (one instance or all): altered events,
        gaps, deleted tails, instances whose events were all deleted, and with `anchor`
        (the chain heads of a checkpoint, by instance) anything changed since then."""
        ...

    def history_heads(self) -> list[HistoryHead]:
        """The recorded head of every instance's history chain, by instance id."""
        ...

    def reclaim_space(self, *, max_pages: int = 2048) -> int:
        """Give up to `max_pages` pages that deletes freed back to the file system, in one
        short write; returns how many. SQLite only, where the file uses incremental
        auto-vacuum (new files do; `compact` converts an old one); PostgreSQL's autovacuum
        does this itself, and memory has nothing to give back (0)."""
        ...

    def checkpoint(self) -> int:
        """Copy what the write-ahead log holds into the database file now, between write
        transactions, without waiting for readers or writers (SQLite `wal_checkpoint(PASSIVE)`);
        returns the log frames copied. SQLite otherwise does this inside the COMMIT that fills
        the log, while that commit still holds the writer: a writer that writes a lot (a prune
        run) calls this between its transactions. 0 where there is no such log (PostgreSQL,
        memory)."""
        ...

    def compact(self) -> int:
        """Rewrite the whole database so that it holds no free pages (SQLite `VACUUM`,
        switching the file to incremental auto-vacuum); returns the bytes given back. It
        holds the database for as long as the copy takes: for maintenance windows. 0 where
        there is nothing to do (PostgreSQL, memory)."""
        ...

    def register_node(self, node_id: str, *, now: datetime) -> None:
        """Announce an engine node. SQLite and memory serve one node: a second one gets
        `NodeLockError`."""
        ...

    def heartbeat_node(self, node_id: str, *, now: datetime) -> None: ...

    def unregister_node(self, node_id: str) -> None: ...

    def nodes(self) -> list[Node]: ...

    def close(self) -> None:
        """Release connections and the node lock. The store is unusable afterwards."""
        ...
