"""History retention: remove ended instances, with their history, jobs, timers, user tasks,
subscriptions and incidents, once they ended longer ago than a time to live.

Removal runs in small batches, one short transaction each (`Transaction.prune`, which says
which instances may go), so it never holds the database for long: on PostgreSQL an instance
a unit of work holds is left for the next round; on SQLite each batch is one brief write
transaction between those of the engine (`guard` takes the shell's write lock around it).

The history hash chains are per instance, so removing whole instances leaves the chains of
all the others intact (`Store.verify_chain` still verifies). Removing an instance also frees
its idempotency key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

from regista.store import Pruned, Store
from regista.store.values import aware

__all__ = ["Pruned", "count_prunable", "cutoff", "prune", "prune_batch"]


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
        return tx.prune(ended_before=aware(ended_before), limit=limit)


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
    with store.transaction(write=False) as tx:
        return tx.count_prunable(ended_before=aware(ended_before))


def _rounds(limit: int | None) -> Iterator[int]:
    n = 0
    while limit is None or n < limit:
        yield n
        n += 1
