"""Group commit for requests: units of work that arrive while a transaction runs go
together into the next one.

A request thread hands its item to `GroupCommit.submit` and waits. When no batch is under
way it leads one: it takes every item queued (up to `most`) and runs them with `batch`, in
one transaction, while later arrivals queue for the next batch; its followers are woken
with their results. A batch is all or nothing. When it fails because of one item (`batch`
raises `ItemFailed` naming it), the others run again together without it, and then it runs
again alone, in a transaction of its own, for its own answer; so one caller's mistake costs
the others one more transaction, not their results. A batch that fails otherwise (at its
commit, say) runs again one item at a time (`one`), so only the failing item gets the
error. No thread of its own: the request threads take turns leading.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from regista.runtime.unit_of_work import UnitOfWork
from regista.store import RetryableError

__all__ = ["GroupCommit", "ItemFailed", "SharedWork"]

T = TypeVar("T")
R = TypeVar("R")


class ItemFailed(Exception):
    """Raised by a batch when applying its item number `index` raised `error`: the
    transaction is rolled back, and the item is known to be the culprit."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(f"item {index} of the batch failed: {error}")
        self.index = index
        self.error = error


@dataclass(eq=False)
class _Slot(Generic[T, R]):
    item: T
    lock: threading.Lock | None = None
    """A thread's waiter: held while it waits, released to wake it (once per wait)."""
    future: asyncio.Future[R] | None = None
    """A coroutine's waiter (`submit_async`), resolved on its event loop."""
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None)
    leads: bool = False
    woken: bool = False


class GroupCommit(Generic[T, R]):
    """Runs concurrent submissions in shared transactions (see the module docstring).

    `batch(items)` runs items in one transaction and returns their results in order (all
    or nothing; `ItemFailed` names the item that failed it); `one(item)` runs one in a
    transaction of its own. `leaders` batches may run at a time (one for SQLite's single
    writer; a few for PostgreSQL).

    Each waiter is woken alone when its item is done, and a leader whose own item is done
    hands the lead to one waiting thread, so a batch costs one wake-up per item rather than
    every waiter waking at every batch. A coroutine (`submit_async`) never leads: its item
    queues, and when no leader runs, one runs in the event loop's thread pool; the event
    loop hands one item per batch to a thread, not every request."""

    def __init__(
        self,
        batch: Callable[[Sequence[T]], list[R]],
        one: Callable[[T], R],
        *,
        most: int = 64,
        leaders: int = 1,
    ) -> None:
        self._batch = batch
        self._one = one
        self._most = max(most, 1)
        self._leaders = max(leaders, 1)
        self._leading = 0
        self._queue: list[_Slot[T, R]] = []
        self._lock = threading.Lock()
        self.batches = 0
        """How many transactions committed more than one item (for tests and benchmarks)."""
        self.transactions = 0
        """How many transactions were attempted, batches and single items, committed or
        not (for tests and benchmarks)."""

    def submit(self, item: T) -> R:
        """Run `item` (with whatever else is queued) and return its result or raise its
        error."""
        slot: _Slot[T, R] = _Slot(item, lock=threading.Lock())
        assert slot.lock is not None
        slot.lock.acquire()
        with self._lock:
            self._queue.append(slot)
            if self._leading < self._leaders:
                self._leading += 1
                slot.leads = True
        while True:
            if slot.leads:
                self._lead(slot)
            if slot.done:
                break
            slot.lock.acquire()  # until it is done, or asked to lead
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    async def submit_async(self, item: T) -> R:
        """`submit` for a coroutine: the event loop waits for the result without a thread
        of its own (see the class docstring)."""
        loop = asyncio.get_running_loop()
        slot: _Slot[T, R] = _Slot(item, future=loop.create_future())
        assert slot.future is not None
        with self._lock:
            self._queue.append(slot)
            start = self._leading < self._leaders
            if start:
                self._leading += 1
        if start:
            loop.run_in_executor(None, self._lead, None)
        return await slot.future

    def _lead(self, own: _Slot[T, R] | None) -> None:
        """Run batches from the queue until `own` is done (without an item of its own:
        until the queue is empty), then hand the lead to a waiting thread, if any."""
        taken: list[_Slot[T, R]] = []
        try:
            while True:
                with self._lock:
                    next_batch = self._take(own)
                    if next_batch is None:
                        return
                taken = next_batch
                self._run(taken)
                with self._lock:
                    for slot in taken:
                        slot.done = True
                        self._tell(slot)
        except BaseException as exc:  # an interrupt: nobody waits for ever
            with self._lock:
                for slot in [*taken, *self._queue]:
                    if not slot.done:
                        slot.error, slot.done = exc, True
                        self._tell(slot)
                del self._queue[:]
                self._leading -= 1
            raise

    def _take(self, own: _Slot[T, R] | None) -> list[_Slot[T, R]] | None:
        """The next batch for a leader, or None when it stops leading (under the lock)."""
        if own is None or own.done:
            # a thread that waits (not one about to lead already, nor one told already)
            successor = next(
                (s for s in self._queue if s.lock is not None and not s.woken and not s.leads),
                None,
            )
            if own is not None and successor is not None:
                successor.leads = True  # the lead passes on: the count stays
                self._tell(successor)
                return None
            if not self._queue:
                self._leading -= 1
                return None
        elif own not in self._queue and not self._queue:
            # another leader runs its item: wait for it as any follower does
            own.leads = own.woken = False
            self._leading -= 1
            return None
        taken = self._queue[: self._most]
        del self._queue[: self._most]
        if own is not None and own in self._queue:  # its own item goes first
            self._queue.remove(own)
            taken.insert(0, own)
            if len(taken) > self._most:
                self._queue.insert(0, taken.pop())
        return taken

    @staticmethod
    def _tell(slot: _Slot[T, R]) -> None:
        """Wake the waiter of `slot` (under the lock): its item is done or it leads now."""
        if slot.lock is not None:
            if not slot.woken and not (slot.leads and slot.done):
                slot.woken = True
                slot.lock.release()
            return
        future = slot.future
        if future is not None and slot.done:
            with contextlib.suppress(RuntimeError):  # its loop closed: nobody waits any more
                future.get_loop().call_soon_threadsafe(_resolve, future, slot)

    def _run(self, slots: list[_Slot[T, R]]) -> None:
        """Fill in the result or the error of each slot. A culprit runs alone after the
        others (first come, first served: of two completing one task, the earlier wins)."""
        slots = list(slots)  # the caller's list keeps the culprits: they are done too
        culprits: list[_Slot[T, R]] = []
        while len(slots) > 1:
            self._count(tried=1)
            try:
                results = self._batch([s.item for s in slots])
            except ItemFailed as failed:
                if not 0 <= failed.index < len(slots):
                    break
                culprits.append(slots.pop(failed.index))
                continue  # the others together again
            except Exception:  # not one item's fault: each goes alone, the culprit errs
                break
            self._count(batched=1)
            for slot, result in zip(slots, results, strict=True):
                slot.result = result
            slots = []
        for slot in [*slots, *culprits]:
            self._alone(slot)  # its own answer, from a transaction of its own

    def _alone(self, slot: _Slot[T, R]) -> None:
        self._count(tried=1)
        try:
            slot.result = self._one(slot.item)
        except Exception as exc:
            slot.error = exc

    def _count(self, *, tried: int = 0, batched: int = 0) -> None:
        with self._lock:  # several leaders at a time on PostgreSQL
            self.transactions += tried
            self.batches += batched


def _resolve(future: asyncio.Future[R], slot: _Slot[Any, R]) -> None:
    if future.done():  # the caller went away (cancelled); the item is done all the same
        return
    if slot.error is not None:
        future.set_exception(slot.error)
    else:
        future.set_result(slot.result)  # type: ignore[arg-type]


class Transact(Protocol):
    """`Shell.transact`: run a unit of work in a transaction of its own and commit."""

    def __call__(
        self, work: Callable[[UnitOfWork], Any], *, actor: str | None = None, kind: str = "other"
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class _Work:
    work: Callable[[UnitOfWork], Any]
    actor: str | None
    kind: str


class SharedWork:
    """Units of work of concurrent requests (starts, job reports, messages, task
    completions) in shared transactions: each applied and settled before the next, as if
    it had a transaction of its own, its history naming its own caller."""

    def __init__(self, transact: Transact, *, leaders: int = 1, most: int = 64) -> None:
        self._transact = transact
        self.commits: GroupCommit[_Work, Any] = GroupCommit(
            self._many, self._one, most=most, leaders=leaders
        )

    def run(
        self, work: Callable[[UnitOfWork], R], *, actor: str | None = None, kind: str = "other"
    ) -> R:
        """Run `work` in a transaction that concurrent calls may share; its result, or
        its error (the others are committed without it). `kind` names the command for
        the shell's observer (a batch of several kinds is a "batch")."""
        return cast(R, self.commits.submit(_Work(work, actor, kind)))

    async def run_async(
        self, work: Callable[[UnitOfWork], R], *, actor: str | None = None, kind: str = "other"
    ) -> R:
        """`run` for an event loop (the API): it waits without a thread of its own."""
        return cast(R, await self.commits.submit_async(_Work(work, actor, kind)))

    def _one(self, item: _Work) -> Any:
        return self._transact(item.work, actor=item.actor, kind=item.kind)

    def _many(self, items: Sequence[_Work]) -> list[Any]:
        def work(uow: UnitOfWork) -> list[Any]:
            out: list[Any] = []
            for index, item in enumerate(items):
                uow.actor = item.actor
                try:
                    out.append(item.work(uow))
                    uow.settle()  # what it queued happens before the next one
                except RetryableError:
                    raise  # a lost race: the whole batch again (`transact` retries)
                except Exception as exc:
                    raise ItemFailed(index, exc) from exc
            return out

        kind = items[0].kind
        if any(item.kind != kind for item in items):
            kind = "batch"
        return cast(list[Any], self._transact(work, actor=items[0].actor, kind=kind))
