"""History retention: remove ended instances, with their history, jobs, timers, user tasks,
subscriptions and incidents, once they ended longer ago than a time to live.

Removal runs in small batches, one short transaction each (`Transaction.prune`, which says
which instances may go), so it never holds the database for long: on PostgreSQL an instance
a unit of work holds is left for the next round; on SQLite each batch is one brief write
transaction between those of the engine (`guard` takes the shell's write lock around it).
A run walks the index on the end time once, each batch starting where the previous one
stopped; a `Pace` sizes the batches to a time budget (25 ms by default in the node, so the
SQLite writer is never held long) and caps the rate. Between batches the SQLite log is
copied into the file (`Store.checkpoint`), outside the writer, so that no batch's COMMIT does
it while holding the writer. Space freed goes back to the file system after a run (SQLite
incremental auto-vacuum), in steps as short as the batches.

The history hash chains are per instance, so removing whole instances leaves the chains of
all the others intact (`Store.verify_chain` still verifies). Removing an instance also frees
its idempotency key.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from regista.store import Pruned, Store
from regista.store.values import aware

__all__ = ["RECLAIM_STEP", "Pace", "Pruned", "count_prunable", "cutoff", "prune", "prune_batch"]

#: Pages one step of giving space back moves (each step its own short write under the
#: guard), and the most a run gives back (`Store.reclaim_space`'s own bound).
RECLAIM_STEP = 256
RECLAIM_MOST = 2048

#: Log frames (pages) a run lets the SQLite log gather before it checkpoints: just below
#: SQLite's automatic checkpoint (1000), so that the next batch's pages do not take the log
#: past it inside the batch's COMMIT, and as few checkpoints as that allows (each copies the
#: pages every batch rewrites, an index's leaves, and syncs the file: 500 cost a fifth of
#: the rate).
CHECKPOINT_FRAMES = 900


def cutoff(now: datetime, ttl: timedelta) -> datetime:
    """Instances that ended before this instant are due for removal."""
    if ttl < timedelta(0):
        raise ValueError(f"a history time to live cannot be negative ({ttl})")
    return aware(now).astimezone(UTC) - ttl


def prune_batch(
    store: Store,
    *,
    ended_before: datetime,
    limit: int = 100,
    after: tuple[datetime, str] | None = None,
) -> Pruned:
    """Remove up to `limit` prunable instances that ended before `ended_before` (after the
    end time and id `after`), in one transaction."""
    if limit <= 0:
        return Pruned()
    with store.transaction() as tx:
        return tx.prune(ended_before=aware(ended_before), limit=limit, after=after)


@dataclass(frozen=True, slots=True)
class Pace:
    """How a prune run paces itself: each batch is sized so that its transaction takes
    about `batch_ms` milliseconds (between `smallest` and `largest` instances; None: the
    run's `batch` every time), and the run removes at most `rate` instances a second
    (None: as fast as the batches go, with the run's `pause` between them)."""

    batch_ms: float | None = 25.0
    rate: float | None = None
    smallest: int = 10
    largest: int = 5000

    def next_size(self, size: int, took: float) -> int:
        """The size of the next batch after one of `size` took `took` seconds."""
        if self.batch_ms is None or took <= 0:
            return size
        wanted = size * (self.batch_ms / 1000) / took
        # halfway (geometrically) towards the size that fits, so one slow batch (a busy
        # disk) does not swing the next one too far (shrinking at once cost a third of the
        # rate for no shorter holds: durable_bench, issue 11)
        return max(self.smallest, min(self.largest, round(math.sqrt(size * wanted))))

    def wait(self, removed: int, took: float, pause: float) -> float:
        """How long to rest after a batch that removed `removed` in `took` seconds."""
        if self.rate is None or self.rate <= 0:
            return pause
        return max(pause, removed / self.rate - took)


def prune(
    store: Store,
    *,
    ended_before: datetime,
    batch: int = 100,
    max_batches: int | None = None,
    pause: float = 0.0,
    guard: Callable[[], AbstractContextManager[object]] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pace: Pace | None = None,
    reclaim: bool = True,
    timer: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
) -> Pruned:
    """Remove every prunable instance that ended before `ended_before`, walking the end
    time once: `batch` instances in the first transaction, then as many as fit the
    `pace` (at most `max_batches` batches), resting between batches so that other writers
    get in; `guard` wraps each batch (the shell's SQLite write lock) and `should_stop`
    ends the run between batches. Between batches the store's log is checkpointed
    outside the guard (`Store.checkpoint`) before it would reach `CHECKPOINT_FRAMES`.
    With `reclaim`, the space freed goes back to the file system after the run (SQLite,
    see `Store.reclaim_space`), `RECLAIM_STEP` pages at a time, each under the guard."""
    pace = pace or Pace(batch_ms=None)
    total = Pruned()
    size = max(batch, 1)
    after: tuple[datetime, str] | None = None
    log = _Log(store)
    for _ in _rounds(max_batches):
        began = timer()
        with guard() if guard is not None else nullcontext():
            done = prune_batch(store, ended_before=ended_before, limit=size, after=after)
        took = timer() - began
        total += replace(done, batches=1)
        if done.instances:
            log.written()
        if done.instances < size or (should_stop is not None and should_stop()):
            break
        after = done.last
        rest = pace.wait(done.instances, took, pause)
        size = pace.next_size(size, took)
        if rest > 0:
            sleep(rest)
    if reclaim and total.instances:
        _reclaim(store, guard)
    return total


class _Log:
    """When a run checkpoints the store's log: from the frames the last checkpoint copied,
    how many a batch writes, and so after how many batches the log would pass
    `CHECKPOINT_FRAMES` (every batch while that is unknown, as where there is no log)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._since = 0  # batches since the last checkpoint
        self._per_batch = 0.0  # frames a batch adds to the log, as last seen

    def written(self) -> None:
        """A batch committed: checkpoint now if the next batch could take the log past the
        mark."""
        self._since += 1
        if self._per_batch and (self._since + 1) * self._per_batch < CHECKPOINT_FRAMES:
            return
        copied = self._store.checkpoint()
        self._per_batch = copied / self._since
        self._since = 0


def _reclaim(store: Store, guard: Callable[[], AbstractContextManager[object]] | None) -> None:
    """Give freed pages back in steps, each a short write of its own under the guard (one
    incremental vacuum of thousands of pages would hold the SQLite writer for longer than
    any batch), until none are left or the run's bound is reached."""
    given = 0
    while given < RECLAIM_MOST:
        with guard() if guard is not None else nullcontext():
            step = store.reclaim_space(max_pages=RECLAIM_STEP)
        store.checkpoint()
        given += step
        if step < RECLAIM_STEP:
            break


def count_prunable(store: Store, *, ended_before: datetime) -> int:
    """How many instances a prune with this cutoff would remove now."""
    with store.transaction(write=False) as tx:
        return tx.count_prunable(ended_before=aware(ended_before))


def _rounds(limit: int | None) -> Iterator[int]:
    n = 0
    while limit is None or n < limit:
        yield n
        n += 1
