"""Group commit for requests: units of work that arrive while a transaction runs go
together into the next one.

A request thread hands its item to `GroupCommit.submit` and waits. When no batch is under
way it leads one: it takes every item queued (up to `most`) and runs them with `batch`, in
one transaction, while later arrivals queue for the next batch; its followers are woken
with their results. A batch that fails runs again one item at a time (`one`), so only the
failing item gets the error. No thread of its own: the request threads take turns leading.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False)
class _Slot(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None)


class GroupCommit(Generic[T, R]):
    """Runs concurrent submissions in shared transactions (see the module docstring).

    `batch(items)` runs items in one transaction and returns their results in order (all
    or nothing); `one(item)` runs one in a transaction of its own. `leaders` batches may
    run at a time (one for SQLite's single writer; a few for PostgreSQL)."""

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
        self.batches = 0
        """How many transactions ran more than one item (for tests and benchmarks)."""

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
        if len(slots) > 1:
            try:
                results = self._batch([s.item for s in slots])
            except Exception:  # one of them failed: each goes alone, the culprit errs
                pass
            else:
                self.batches += 1
                for slot, result in zip(slots, results, strict=True):
                    slot.result = result
                    slot.done = True
                return
        for slot in slots:
            try:
                slot.result = self._one(slot.item)
            except BaseException as exc:
                slot.error = exc
            slot.done = True
