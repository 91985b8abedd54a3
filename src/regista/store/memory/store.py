"""The in-memory store: the same contract as the SQL stores, for tests and simulations.

Transactions are serial (one lock, like SQLite's single writer) and atomic: every change
records how to undo itself, and an exception in the block undoes them all. State, variables
and history data go through JSON on the way in, so what is not JSON-safe fails here exactly as
it would against a database, and callers never share mutable values with the store.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice

from regista.store.chain import audit_chains
from regista.store.errors import NodeLockError, StoreBusy, StoreError
from regista.store.interface import Transaction
from regista.store.memory.tables import Tables
from regista.store.memory.transaction import MemoryTransaction
from regista.store.records import BrokenLink, Gauges, HistoryHead, Job, Node, Timer
from regista.store.values import utc


class MemoryStore:
    """The in-memory store (see the module docstring)."""

    dialect = "memory"

    def __init__(self, *, busy_timeout_s: float = 5.0) -> None:
        self._tables = Tables()
        self._lock = threading.Lock()
        self._busy_timeout_s = busy_timeout_s
        self._node_id: str | None = None
        self._closed = False
        self._blocks = itertools.count(1)  # next() on a count is atomic in CPython

    @contextmanager
    def _memory_transaction(self, *, write: bool) -> Iterator[MemoryTransaction]:
        if self._closed:
            raise StoreError("the store is closed")
        if not self._lock.acquire(timeout=self._busy_timeout_s):
            raise StoreBusy(
                f"the in-memory store stayed locked for longer than {self._busy_timeout_s:g} s "
                "(a transaction opened inside another one on the same thread?)"
            )
        try:
            tx = MemoryTransaction(self._tables, write=write)
            try:
                yield tx
            except BaseException:
                tx.journal.rollback()
                raise
            tx.journal.commit()
        finally:
            self._lock.release()

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        return self._memory_transaction(write=write)

    def schema_version(self) -> int:
        return 1

    def upgrade(self, *, fresh_schema: bool = True) -> list[int]:
        return []

    def gauges(self, now: datetime) -> Gauges:
        now = utc(now)
        with self._memory_transaction(write=False):
            tables = self._tables
            owners = {i.id: i.process_id for i in tables.instances.values()}
            instances: dict[tuple[str, str], int] = {}
            for row in tables.instances.values():
                if row.status in ("active", "incident"):
                    key = (row.process_id, row.status)
                    instances[key] = instances.get(key, 0) + 1
            waits = [
                *(
                    (j.instance_id, j.element_id)
                    for j in tables.jobs.values()
                    if j.status in ("ready", "claimed") and not j.type.startswith("regista:")
                ),
                *(
                    (u.instance_id, u.element_id)
                    for u in tables.user_tasks.values()
                    if u.status == "open"
                ),
                *((t.instance_id, t.element_id) for t in tables.timers.values() if t.instance_id),
                *((s.instance_id, s.element_id) for s in tables.subscriptions.values()),
                *(
                    (x.instance_id, x.element_id)
                    for x in tables.incidents.values()
                    if x.resolved_at is None and x.element_id is not None
                ),
            ]
            tokens: dict[tuple[str, str], int] = {}
            for instance_id, element_id in waits:
                if instance_id in owners:
                    key = (owners[instance_id], element_id)
                    tokens[key] = tokens.get(key, 0) + 1
            jobs: dict[str, tuple[int, datetime | None]] = {}
            for job in tables.jobs.values():
                since = job.due_at if job.status == "ready" else job.lease_until
                if job.status in ("ready", "claimed") and since is not None and since <= now:
                    count, oldest = jobs.get(job.type, (0, None))
                    jobs[job.type] = (count + 1, since if oldest is None else min(oldest, since))
            incidents: dict[tuple[str, str], int] = {}
            for x in tables.incidents.values():
                if x.resolved_at is None:
                    key = (owners.get(x.instance_id, ""), x.error_type)
                    incidents[key] = incidents.get(key, 0) + 1
        return Gauges(instances=instances, tokens=tokens, jobs=jobs, incidents=incidents)

    def reserve_id_block(self) -> int:
        return next(self._blocks)

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
        with self._memory_transaction(write=True) as tx:
            claimed = tx.claim_jobs(
                types, worker_id, limit=limit, lease_seconds=lease_seconds, now=now
            )
            if then is not None and claimed:
                then(tx, claimed)
        return claimed

    def extend_lease(
        self, job_id: str, attempt: int, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> bool:
        with self._memory_transaction(write=True) as tx:
            job = self._tables.jobs.get(job_id)
            if (
                job is None
                or job.status != "claimed"
                or job.attempt != attempt
                or job.lease_owner != worker_id
            ):
                return False
            until = utc(now) + timedelta(seconds=lease_seconds)
            tx.journal.set(self._tables.jobs, job_id, replace(job, lease_until=until))
            return True

    def release_leases(self, worker_id: str, *, now: datetime) -> int:
        with self._memory_transaction(write=True) as tx:
            held = [
                j
                for j in self._tables.jobs.values()
                if j.status == "claimed" and j.lease_owner == worker_id
            ]
            for job in held:
                tx.journal.set(
                    self._tables.jobs,
                    job.id,
                    replace(
                        job, status="ready", lease_owner=None, lease_until=None, due_at=utc(now)
                    ),
                )
            return len(held)

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        now = utc(now)
        with self._memory_transaction(write=False):
            due = [t for t in self._tables.timers.values() if t.due_at <= now]
            return sorted(due, key=lambda t: (t.due_at, t.id))[:limit]

    def claim_timers(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[Timer]:
        now = utc(now)
        until = now + timedelta(seconds=lease_seconds)
        with self._memory_transaction(write=True) as tx:
            due = sorted(
                (
                    t
                    for t in self._tables.timers.values()
                    if t.due_at <= now and (t.lease_until is None or t.lease_until <= now)
                ),
                key=lambda t: (t.due_at, t.id),
            )[:limit]
            taken = [replace(t, lease_owner=worker_id, lease_until=until) for t in due]
            for timer in taken:
                tx.journal.set(self._tables.timers, timer.id, timer)
            return taken

    def release_timer_leases(self, worker_id: str, *, now: datetime) -> int:
        now = utc(now)
        with self._memory_transaction(write=True) as tx:
            held = [
                t
                for t in self._tables.timers.values()
                if t.lease_owner == worker_id and t.due_at <= now
            ]
            for timer in held:
                released = replace(timer, lease_owner=None, lease_until=None)
                tx.journal.set(self._tables.timers, timer.id, released)
            return len(held)

    def next_timer_due(self) -> datetime | None:
        with self._memory_transaction(write=False):
            return min((t.due_at for t in self._tables.timers.values()), default=None)

    def reclaim_space(self, *, max_pages: int = 2048) -> int:
        return 0

    def checkpoint(self) -> int:
        return 0

    def compact(self) -> int:
        return 0

    def purge_messages(self, *, now: datetime, limit: int = 1000) -> int:
        now = utc(now)
        with self._memory_transaction(write=True) as tx:
            for key in [k for k, v in self._tables.message_ids.items() if v[1] <= now]:
                tx.journal.delete(self._tables.message_ids, key)
            expired = [m.id for m in self._tables.messages.values() if m.expires_at <= now]
            for message_id in expired[:limit]:
                tx.journal.delete(self._tables.messages, message_id)
            return min(len(expired), limit)

    def verify_chain(self, instance_id: str | None = None) -> BrokenLink | None:
        found = self.audit_history(instance_id, limit=1)
        return found[0] if found else None

    def audit_history(
        self,
        instance_id: str | None = None,
        anchor: Mapping[str, HistoryHead] | None = None,
        *,
        limit: int = 100,
    ) -> list[BrokenLink]:
        with self._memory_transaction(write=False):
            history = self._tables.history
            heads = self._tables.history_heads
            if instance_id is not None:
                chains = (
                    [(instance_id, list(history[instance_id]))] if history.get(instance_id) else []
                )
                heads = {k: v for k, v in heads.items() if k == instance_id}
                if anchor is not None:
                    anchor = {k: v for k, v in anchor.items() if k == instance_id}
            else:
                chains = [(k, list(history[k])) for k in sorted(history) if history[k]]
            return list(islice(audit_chains(chains, dict(heads), anchor), limit))

    def history_heads(self) -> list[HistoryHead]:
        with self._memory_transaction(write=False):
            heads = self._tables.history_heads
            return [heads[k] for k in sorted(heads)]

    def register_node(self, node_id: str, *, now: datetime) -> None:
        with self._memory_transaction(write=True) as tx:
            if self._node_id is not None and self._node_id != node_id:
                raise NodeLockError(
                    f"another Regista node ({self._node_id}) already serves this in-memory "
                    "store; it serves one node"
                )
            self._node_id = node_id
            node = Node(node_id, socket.gethostname(), os.getpid(), utc(now), utc(now))
            tx.journal.set(self._tables.nodes, node_id, node)

    def heartbeat_node(self, node_id: str, *, now: datetime) -> None:
        with self._memory_transaction(write=True) as tx:
            node = self._tables.nodes.get(node_id)
            if node is not None:
                tx.journal.set(self._tables.nodes, node_id, replace(node, heartbeat_at=utc(now)))

    def unregister_node(self, node_id: str) -> None:
        with self._memory_transaction(write=True) as tx:
            tx.journal.delete(self._tables.nodes, node_id)
            if self._node_id == node_id:
                self._node_id = None

    def nodes(self) -> list[Node]:
        with self._memory_transaction(write=False):
            return sorted(self._tables.nodes.values(), key=lambda n: (n.started_at, n.id))

    def close(self) -> None:
        self._closed = True

    def corrupt_state_for_tests(self, instance_id: str, text: str) -> None:
        """Overwrite an instance's stored state text (fault-injection in tests)."""
        with self._lock:
            self._tables.states[instance_id] = text
