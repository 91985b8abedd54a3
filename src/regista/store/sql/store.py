"""Store operations that are one short transaction each, shared by the SQL stores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from regista.store.chain import audit_chains
from regista.store.interface import Transaction
from regista.store.records import (
    BrokenLink,
    Gauges,
    HistoryEvent,
    HistoryHead,
    Job,
    Node,
    Timer,
)
from regista.store.sql.transaction import SqlTransaction
from regista.store.values import aware


class SqlStore(ABC):
    """Store operations that are each one short transaction, shared by the SQL stores."""

    dialect: str

    @abstractmethod
    def _sql_transaction(self, *, write: bool) -> AbstractContextManager[SqlTransaction]: ...

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        return self._sql_transaction(write=write)

    def _tx(self) -> AbstractContextManager[SqlTransaction]:
        return self._sql_transaction(write=True)

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
        if not types or limit <= 0:
            return []
        with self._tx() as tx:
            jobs = tx.claim_jobs(
                types, worker_id, limit=limit, lease_seconds=lease_seconds, now=now
            )
            if then is not None and jobs:
                then(tx, jobs)
        return jobs

    def reserve_id_block(self) -> int:
        with self._tx() as tx:
            row = tx.session.one("id_block_reserve", write=True)
            assert row is not None
            return int(row["block"])

    def extend_lease(
        self, job_id: str, attempt: int, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> bool:
        with self._tx() as tx:
            row = tx.session.one(
                "job_extend_lease",
                write=True,
                id=job_id,
                attempt=attempt,
                worker_id=worker_id,
                lease_until=tx.session.codec.ts(aware(now) + timedelta(seconds=lease_seconds)),
            )
            return row is not None

    def release_leases(self, worker_id: str, *, now: datetime) -> int:
        with self._tx() as tx:
            s = tx.session
            rows = s.all(
                "job_release_leases", write=True, worker_id=worker_id, now=s.codec.ts(aware(now))
            )
            return len(rows)

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        with self._sql_transaction(write=False) as tx:
            s = tx.session
            rows = s.all("timer_due", now=s.codec.ts(aware(now)), limit=limit)
            return [s.rows.timer(r) for r in rows]

    def claim_timers(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[Timer]:
        with self._tx() as tx:
            s, c = tx.session, tx.session.codec
            rows = s.all(
                "timer_claim",
                write=True,
                worker_id=worker_id,
                now=c.ts(aware(now)),
                lease_until=c.ts(now + timedelta(seconds=lease_seconds)),
                limit=limit,
            )
            timers = [s.rows.timer(r) for r in rows]
        timers.sort(key=lambda t: (t.due_at, t.id))
        return timers

    def release_timer_leases(self, worker_id: str, *, now: datetime) -> int:
        with self._tx() as tx:
            s = tx.session
            return s.change("timer_release_leases", worker_id=worker_id, now=s.codec.ts(aware(now)))

    def next_timer_due(self) -> datetime | None:
        with self._sql_transaction(write=False) as tx:
            row = tx.session.one("timer_next_due")
            return None if row is None else tx.session.codec.ts_opt(row["due_at"])

    def purge_messages(self, *, now: datetime, limit: int = 1000) -> int:
        with self._tx() as tx:
            s = tx.session
            s.change("message_id_purge", now=s.codec.ts(aware(now)))
            return len(s.all("message_purge", write=True, now=s.codec.ts(aware(now)), limit=limit))

    def gauges(self, now: datetime) -> Gauges:
        with self._sql_transaction(write=False) as tx:
            s = tx.session
            instances = {
                (r["process_id"], r["status"]): int(r["n"]) for r in s.all("gauges_instances")
            }
            tokens = {
                (r["process_id"], r["element_id"]): int(r["n"]) for r in s.all("gauges_tokens")
            }
            jobs = {
                r["type"]: (int(r["n"]), s.codec.ts_opt(r["oldest"]))
                for r in s.all("gauges_jobs", now=s.codec.ts(aware(now)))
            }
            incidents = {
                (r["process_id"], r["error_type"]): int(r["n"]) for r in s.all("gauges_incidents")
            }
        return Gauges(instances=instances, tokens=tokens, jobs=jobs, incidents=incidents)

    def reclaim_space(self, *, max_pages: int = 2048) -> int:
        return 0  # PostgreSQL: autovacuum (docs/architecture.md, History and retention)

    def checkpoint(self) -> int:
        return 0  # PostgreSQL writes its log back itself, outside any client's transaction

    def compact(self) -> int:
        return 0

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
        if instance_id is not None:
            broken = self._audit_one(instance_id, anchor)
            return [] if broken is None else [broken]
        # Heads first, then the events: an append in between only makes a chain longer
        # than its head, which the check allows; what looks broken is checked once more
        # on its own, so an instance pruned meanwhile is no finding.
        heads = {h.instance_id: h for h in self.history_heads()}
        found: list[BrokenLink] = []
        for candidate in audit_chains(self._chains(), heads, anchor):
            confirmed = self._audit_one(candidate.instance_id, anchor)
            if confirmed is not None:
                found.append(confirmed)
                if len(found) >= limit:
                    break
        return found

    def _audit_one(
        self, instance_id: str, anchor: Mapping[str, HistoryHead] | None
    ) -> BrokenLink | None:
        with self._sql_transaction(write=False) as tx:
            head = tx.history_head(instance_id)
            events = tx.history(instance_id)
        heads = {} if head is None else {instance_id: head}
        anchored = None
        if anchor is not None:
            anchored = {instance_id: anchor[instance_id]} if instance_id in anchor else {}
        return next(audit_chains([(instance_id, events)] if events else [], heads, anchored), None)

    def _chains(self) -> Iterator[tuple[str, list[HistoryEvent]]]:
        """The events of every instance, one instance at a time, read page by page."""
        after: tuple[str, int] = ("", 0)
        current: list[HistoryEvent] = []
        while True:
            with self._sql_transaction(write=False) as tx:
                page = tx.history_page(after, 1000)
            for event in page:
                if current and current[0].instance_id != event.instance_id:
                    yield current[0].instance_id, current
                    current = []
                current.append(event)
            if len(page) < 1000:
                if current:
                    yield current[0].instance_id, current
                return
            after = (page[-1].instance_id, page[-1].seq)

    def history_heads(self) -> list[HistoryHead]:
        heads: list[HistoryHead] = []
        after = ""
        while True:
            with self._sql_transaction(write=False) as tx:
                page = tx.history_heads_page(after, 5000)
            heads.extend(page)
            if len(page) < 5000:
                return heads
            after = page[-1].instance_id

    def heartbeat_node(self, node_id: str, *, now: datetime) -> None:
        with self._tx() as tx:
            tx.session.write("node_heartbeat", id=node_id, now=tx.session.codec.ts(aware(now)))

    def nodes(self) -> list[Node]:
        with self._sql_transaction(write=False) as tx:
            return [tx.session.rows.node(r) for r in tx.session.all("node_list")]

    def _upsert_node(self, node_id: str, hostname: str, pid: int, now: datetime) -> None:
        with self._tx() as tx:
            s = tx.session
            s.write(
                "node_upsert", id=node_id, hostname=hostname, pid=pid, now=s.codec.ts(aware(now))
            )

    def _delete_node(self, node_id: str) -> None:
        with self._tx() as tx:
            tx.session.write("node_delete", id=node_id)
