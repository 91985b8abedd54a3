"""Group commit for requests: units of work that arrive while a transaction runs go
together into the next one.

A request thread hands its item to `GroupCommit.submit` and waits. When no batch is under
way it leads one: it takes every item queued (up to `most`) and runs them with `batch`, in
one transaction, while later arrivals queue for the next batch; its followers are woken
with their results. A batch is all or nothing. When it fails because of one item (`batch`
raises `ItemFailed` naming it), that item runs again alone, in a transaction of its own,
and the others run again together without it, so one caller's mistake costs the others
one more transaction, not their results. A batch that fails otherwise (at its commit, say)
runs again one item at a time (`one`), so only the failing item gets the error. No thread
of its own: the request threads take turns leading.
"""

from __future__ import annotations

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
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None)


class GroupCommit(Generic[T, R]):
    """Runs concurrent submissions in shared transactions (see the module docstring).

    `batch(items)` runs items in one transaction and returns their results in order (all
    or nothing; `ItemFailed` names the item that failed it); `one(item)` runs one in a
    transaction of its own. `leaders` batches may run at a time (one for SQLite's single
    writer; a few for PostgreSQL)."""

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
        self._cond = threading.Condition()
        self._counting = threading.Lock()
        self.batches = 0
        """How many transactions committed more than one item (for tests and benchmarks)."""
        self.transactions = 0
        """How many transactions were attempted, batches and single items, committed or
        not (for tests and benchmarks)."""

    def submit(self, item: T) -> R:
        """Run `item` (with whatever else is queued) and return its result or raise its
        error."""
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._queue.append(slot)
            while not slot.done:
                if self._leading < self._leaders and self._queue:
                    taken = self._queue[: self._most]
                    del self._queue[: self._most]
                    self._leading += 1
                    self._cond.release()
                    try:
                        self._run(taken)
                    except BaseException as exc:  # an interrupt: nobody waits for ever
                        for other in taken:
                            if not other.done:
                                other.error, other.done = exc, True
                        raise
                    finally:
                        self._cond.acquire()
                        self._leading -= 1
                        self._cond.notify_all()
                    continue
                self._cond.wait()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _run(self, slots: list[_Slot[T, R]]) -> None:
        while len(slots) > 1:
            self._count(tried=1)
            try:
                results = self._batch([s.item for s in slots])
            except ItemFailed as failed:
                if not 0 <= failed.index < len(slots):
                    break
                culprit = slots.pop(failed.index)
                self._alone(culprit)  # its own answer, from a transaction of its own
                continue  # the others together again
            except Exception:  # not one item's fault: each goes alone, the culprit errs
                break
            self._count(batched=1)
            for slot, result in zip(slots, results, strict=True):
                slot.result = result
                slot.done = True
            return
        for slot in slots:
            self._alone(slot)

    def _alone(self, slot: _Slot[T, R]) -> None:
        self._count(tried=1)
        try:
            slot.result = self._one(slot.item)
        except BaseException as exc:
            slot.error = exc
        slot.done = True

    def _count(self, *, tried: int = 0, batched: int = 0) -> None:
        with self._counting:  # several leaders at a time on PostgreSQL
            self.transactions += tried
            self.batches += batched


class Transact(Protocol):
    """`Shell.transact`: run a unit of work in a transaction of its own and commit."""

    def __call__(self, work: Callable[[UnitOfWork], Any], *, actor: str | None = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class _Work:
    work: Callable[[UnitOfWork], Any]
    actor: str | None


class SharedWork:
    """Units of work of concurrent requests (starts, job reports, messages, task
    completions) in shared transactions: each applied and settled before the next, as if
    it had a transaction of its own, its history naming its own caller."""

    def __init__(self, transact: Transact, *, leaders: int = 1, most: int = 64) -> None:
        self._transact = transact
        self.commits: GroupCommit[_Work, Any] = GroupCommit(
            self._many, self._one, most=most, leaders=leaders
        )

    def run(self, work: Callable[[UnitOfWork], R], *, actor: str | None = None) -> R:
        """Run `work` in a transaction that concurrent calls may share; its result, or
        its error (the others are committed without it)."""
        return cast(R, self.commits.submit(_Work(work, actor)))

    def _one(self, item: _Work) -> Any:
        return self._transact(item.work, actor=item.actor)

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

        return cast(list[Any], self._transact(work, actor=items[0].actor))
