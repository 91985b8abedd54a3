"""Group commit: submissions that arrive while a batch runs go together into the next one;
an item that fails a batch gets its own answer alone while the others go together again;
a batch that fails otherwise falls back to one item at a time; coroutines wait without a
thread of their own."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Sequence

import pytest

from regista.runtime.batching import GroupCommit, ItemFailed, _Slot
from testkit import wait_until


class Recorder:
    """A batch that fails as a whole on 13 (not attributed) and names 7 as its culprit;
    `one` waits for the gate, so that a test holds the first transaction open."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.ones: list[int] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.lock = threading.Lock()

    def batch(self, items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        if 7 in items:
            raise ItemFailed(list(items).index(7), ValueError("seven"))
        with self.lock:
            self.batches.append(list(items))
        return [i * 10 for i in items]

    def one(self, item: int) -> int:
        self.entered.set()
        self.gate.wait(30)
        if item in (7, 13):
            raise ValueError("unlucky" if item == 13 else "seven")
        with self.lock:
            self.ones.append(item)
        return item * 10


def hold(commits: GroupCommit[int, int], results: dict[int, int]) -> threading.Thread:
    """Submit 1 from a thread and wait until it runs alone (held at the gate)."""
    first = threading.Thread(target=lambda: results.update({1: commits.submit(1)}))
    first.start()
    return first


def test_submissions_queued_during_a_transaction_share_the_next_one() -> None:
    rec = Recorder()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)
    results: dict[int, int] = {}
    first = hold(commits, results)
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
    assert commits.transactions == 2


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


def test_the_culprit_goes_alone_and_the_others_together_again() -> None:
    rec = Recorder()
    rec.gate.set()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)
    slots: list[_Slot[int, int]] = [_Slot(n) for n in (5, 7, 6, 8)]
    commits._run(slots)
    assert [s.result for s in slots] == [50, None, 60, 80]
    assert isinstance(slots[1].error, ValueError) and str(slots[1].error) == "seven"
    assert rec.batches == [[5, 6, 8]]  # one more transaction for the others, together
    assert rec.ones == []  # 7 ran alone and failed there: its own answer
    assert commits.transactions == 3 and commits.batches == 1


def test_coroutines_share_a_batch_without_threads_of_their_own() -> None:
    rec = Recorder()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)
    results: dict[int, int] = {}
    first = hold(commits, results)
    rec.entered.wait(30)

    async def scenario() -> list[int | BaseException]:
        tasks = [asyncio.create_task(commits.submit_async(n)) for n in (2, 7, 3)]
        while len(commits._queue) < 3:  # each queues at its first step
            await asyncio.sleep(0)
        threads = threading.active_count()
        rec.gate.set()
        answers = await asyncio.gather(*tasks, return_exceptions=True)
        assert threading.active_count() <= threads  # the held leader led their batch
        return answers

    answers = asyncio.run(scenario())
    first.join(30)
    assert answers[0] == 20 and answers[2] == 30
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "seven"
    assert results == {1: 10}
    assert rec.batches == [[2, 3]]


def test_a_coroutine_alone_gets_a_leader_from_the_thread_pool() -> None:
    rec = Recorder()
    rec.gate.set()
    commits: GroupCommit[int, int] = GroupCommit(rec.batch, rec.one)

    async def scenario() -> int:
        return await commits.submit_async(4)

    assert asyncio.run(scenario()) == 40
    assert rec.ones == [4]
    assert commits._leading == 0  # the leader let go when the queue was empty


@pytest.mark.parametrize("leaders", [1, 3])
def test_many_threads_each_get_their_own_answer_once(leaders: int) -> None:
    runs: Counter[int] = Counter()
    lock = threading.Lock()

    def batch(items: Sequence[int]) -> list[int]:
        with lock:
            runs.update(items)
        return [i * 2 for i in items]

    def one(item: int) -> int:
        with lock:
            runs[item] += 1
        return item * 2

    commits: GroupCommit[int, int] = GroupCommit(batch, one, most=8, leaders=leaders)
    answers: dict[int, int] = {}

    def client(base: int) -> None:
        for n in range(base, base + 40):
            answers[n] = commits.submit(n)

    threads = [threading.Thread(target=client, args=(k * 1000,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 320
    assert all(answers[n] == n * 2 for n in answers)
    assert set(runs.values()) == {1}  # every item ran exactly once
    assert commits._leading == 0 and commits._queue == []


def test_threads_and_coroutines_together_each_get_their_own_answer() -> None:
    runs: Counter[int] = Counter()
    lock = threading.Lock()

    def batch(items: Sequence[int]) -> list[int]:
        with lock:
            runs.update(items)
        return [i + 1 for i in items]

    def one(item: int) -> int:
        with lock:
            runs[item] += 1
        return item + 1

    commits: GroupCommit[int, int] = GroupCommit(batch, one, most=4, leaders=3)
    answers: dict[int, int] = {}

    def client(base: int) -> None:
        for n in range(base, base + 30):
            answers[n] = commits.submit(n)

    async def coroutines() -> None:
        async def one_client(base: int) -> None:
            for n in range(base, base + 30):
                answers[n] = await commits.submit_async(n)

        await asyncio.gather(*(one_client(100_000 + k * 1000) for k in range(6)))

    threads = [threading.Thread(target=client, args=(k * 1000,)) for k in range(6)]
    for thread in threads:
        thread.start()
    asyncio.run(coroutines())
    for thread in threads:
        thread.join(60)
    assert len(answers) == 360 and all(answers[n] == n + 1 for n in answers)
    assert set(runs.values()) == {1}
    assert commits._leading == 0 and commits._queue == []
