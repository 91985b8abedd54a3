"""Group commit: submissions that arrive while a batch runs go together into the next one,
and a failing batch falls back to one item at a time."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from regista.runtime.batching import GroupCommit, _Slot
from testkit import wait_until


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.ones: list[int] = []
        self.gate = threading.Event()
        self.entered = threading.Event()

    def batch(self, items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        self.batches.append(list(items))
        return [i * 10 for i in items]

    def one(self, item: int) -> int:
        self.entered.set()
        self.gate.wait(30)
        if item == 13:
            raise ValueError("unlucky")
        self.ones.append(item)
        return item * 10


def test_submissions_queued_during_a_transaction_share_the_next_one() -> None:
    rec = Recorder()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)
    results: dict[int, int] = {}
    first = threading.Thread(target=lambda: results.update({1: commits.submit(1)}))
    first.start()
    rec.entered.wait(30)  # the first leads, alone, and is held in its transaction
    others = [
        threading.Thread(target=lambda n=n: results.update({n: commits.submit(n)}))
        for n in (2, 3, 4)
    ]
    for thread in others:
        thread.start()
    wait_until(lambda: len(commits._queue) == 3, what="the others to queue")
    rec.gate.set()
    for thread in [first, *others]:
        thread.join(30)
    assert results == {1: 10, 2: 20, 3: 30, 4: 40}
    assert rec.ones == [1]
    assert [sorted(b) for b in rec.batches] == [[2, 3, 4]]
    assert commits.batches == 1


def test_a_failing_batch_goes_again_one_by_one() -> None:
    rec = Recorder()
    rec.gate.set()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)
    slots: list[_Slot[int, int]] = [_Slot(n) for n in (5, 13, 6)]
    commits._run(slots)
    assert [s.result for s in slots] == [50, None, 60]
    assert isinstance(slots[1].error, ValueError)
    assert rec.ones == [5, 6] and rec.batches == []
    with pytest.raises(ValueError, match="unlucky"):
        commits.submit(13)
