"""History retention: remove ended instances, with their history, jobs, timers, user tasks,
subscriptions and incidents, once they ended longer ago than a time to live.

Removal runs in small batches, one short transaction each, so it never holds the database
for long: on PostgreSQL the candidates are taken `FOR UPDATE SKIP LOCKED` (an instance a
unit of work holds is left for the next round); on SQLite each batch is one brief write
transaction between those of the engine. An instance is kept while work for it is still in
flight — an unfinished job (an outbox job that notifies its parent, say) or an open
incident — and while its parent runs or ended after the cutoff, so a call tree goes as a
whole.

The history hash chains are per instance, so removing whole instances leaves the chains of
all the others intact (`Store.verify_chain` still verifies). Removing an instance also frees
its idempotency key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from regista.engine.state import ENDED
from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Store, Transaction
from regista.store.memory.transaction import MemoryTransaction
from regista.store.values import aware

__all__ = ["Pruned", "count_prunable", "cutoff", "prune", "prune_batch"]

_FILE = "retention.sql"
_UNFINISHED_JOBS = ("ready", "claimed", "failed")


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows a prune removed, by table."""

    instances: int = 0
    history: int = 0
    jobs: int = 0
    timers: int = 0
    user_tasks: int = 0
    subscriptions: int = 0
    incidents: int = 0

    def __add__(self, other: Pruned) -> Pruned:
        return Pruned(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def __str__(self) -> str:
        return (
            f"{self.instances} instance(s), {self.history} history event(s), {self.jobs} "
            f"job(s), {self.user_tasks} user task(s), {self.incidents} incident(s), "
            f"{self.timers} timer(s), {self.subscriptions} subscription(s)"
        )


def cutoff(now: datetime, ttl: timedelta) -> datetime:
    """Instances that ended before this instant are due for removal."""
    if ttl < timedelta(0):
        raise ValueError(f"a history time to live cannot be negative ({ttl})")
    return aware(now).astimezone(UTC) - ttl


def prune_batch(store: Store, *, ended_before: datetime, limit: int = 100) -> Pruned:
    """Remove up to `limit` prunable instances that ended before `ended_before`, in one
    transaction."""
    if limit <= 0:
        return Pruned()
    with store.transaction() as tx:
        return _prune_in(tx, aware(ended_before), limit)


def prune(
    store: Store,
    *,
    ended_before: datetime,
    batch: int = 100,
    max_batches: int | None = None,
    pause: float = 0.0,
    guard: Callable[[], AbstractContextManager[object]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Pruned:
    """Remove every prunable instance that ended before `ended_before`, `batch` at a time
    (at most `max_batches` batches), sleeping `pause` seconds between batches so other
    writers get in; `guard` wraps each batch (the shell's SQLite write lock), and
    `should_stop` ends the run between batches."""
    total = Pruned()
    for _ in _rounds(max_batches):
        with guard() if guard is not None else nullcontext():
            done = prune_batch(store, ended_before=ended_before, limit=batch)
        total += done
        if done.instances < batch or (should_stop is not None and should_stop()):
            break
        if pause > 0:
            time.sleep(pause)
    return total


def count_prunable(store: Store, *, ended_before: datetime) -> int:
    """How many instances a prune with this cutoff would remove now."""
    before = aware(ended_before)
    with store.transaction(write=False) as tx:
        sql = sql_access(tx, _FILE)
        if sql is not None:
            row = sql.one("count_prunable", before=sql.codec.ts(before))
            return 0 if row is None else int(row["n"])
        return len(_memory_prunable(tx, before, None))


def _rounds(limit: int | None) -> Iterator[int]:
    n = 0
    while limit is None or n < limit:
        yield n
        n += 1


def _prune_in(tx: Transaction, before: datetime, limit: int) -> Pruned:
    sql = sql_access(tx, _FILE)
    if sql is None:
        return _memory_prune(tx, before, limit)
    rows = sql.all("prunable", write=True, before=sql.codec.ts(before), limit=limit)
    ids = [str(r["id"]) for r in rows]
    if not ids:
        return Pruned()
    param = sql.codec.text_list(ids)
    counts = {
        table: sql.change(f"delete_{table}", ids=param)
        for table in (
            "history",
            "jobs",
            "timers",
            "user_tasks",
            "subscriptions",
            "incidents",
            "instances",
        )
    }
    return Pruned(**counts)


def _memory_prunable(tx: Transaction, before: datetime, limit: int | None) -> list[str]:
    mtx, t = memory_tables(tx)
    mtx._check()
    before = before.astimezone(UTC)
    busy = {j.instance_id for j in t.jobs.values() if j.status in _UNFINISHED_JOBS}
    busy |= {i.instance_id for i in t.incidents.values() if i.resolved_at is None}

    def recent(instance_id: str | None) -> bool:
        parent = None if instance_id is None else t.instances.get(instance_id)
        return parent is not None and (parent.ended_at is None or parent.ended_at >= before)

    found = sorted(
        (
            (row.ended_at, row.id)
            for row in t.instances.values()
            if row.status in ENDED
            and row.ended_at is not None
            and row.ended_at < before
            and row.id not in busy
            and not recent(row.parent_instance_id)
        ),
    )
    ids = [instance_id for _, instance_id in found]
    return ids if limit is None else ids[:limit]


def _memory_prune(tx: Transaction, before: datetime, limit: int) -> Pruned:
    mtx, t = memory_tables(tx)
    ids = set(_memory_prunable(tx, before, limit))
    if not ids:
        return Pruned()
    history = 0
    for instance_id in ids:
        events = mtx._delete(t.history, instance_id)
        history += len(events or [])
        mtx._delete(t.states, instance_id)
        mtx._delete(t.instances, instance_id)
    return Pruned(
        instances=len(ids),
        history=history,
        jobs=_drop(mtx, t.jobs, ids),
        timers=_drop(mtx, t.timers, ids),
        user_tasks=_drop(mtx, t.user_tasks, ids),
        subscriptions=_drop(mtx, t.subscriptions, ids),
        incidents=_drop(mtx, t.incidents, ids),
    )


class _Owned(Protocol):
    @property
    def instance_id(self) -> str: ...


_R = TypeVar("_R", bound=_Owned)


def _drop(mtx: MemoryTransaction, table: dict[str, _R], ids: set[str]) -> int:
    doomed = [key for key, row in table.items() if row.instance_id in ids]
    for key in doomed:
        mtx._delete(table, key)
    return len(doomed)
