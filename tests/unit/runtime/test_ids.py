"""Ids: digits that fit a signed 64-bit integer, unique across sources of one store, a new
block when one is used up, and the spare block taken ahead."""

from __future__ import annotations

import threading

from regista.runtime.ids import BASE, BLOCK_SIZE, IdSource
from regista.store.memory import MemoryStore

INT64_MAX = 2**63 - 1


def test_ids_are_digits_that_fit_an_int64_and_keep_text_order() -> None:
    source = IdSource(MemoryStore().reserve_id_block)
    ids = [source() for _ in range(100)]
    assert all(i.isdigit() and 0 < int(i) <= INT64_MAX for i in ids)
    assert ids == sorted(ids) and [int(i) for i in ids] == sorted(int(i) for i in ids)
    assert len(ids[0]) == len(ids[-1]) == 16


def test_a_used_up_block_is_followed_by_the_next_one_of_the_store() -> None:
    blocks: list[int] = []

    def reserve() -> int:
        blocks.append(len(blocks) + 7)
        return blocks[-1]

    source = IdSource(reserve)
    first = int(source())
    assert first == BASE + 7 * BLOCK_SIZE
    source._block = (iter(()), 0)  # as if the block were used up
    assert int(source()) == BASE + 8 * BLOCK_SIZE
    assert blocks == [7, 8]


def test_prepare_takes_the_spare_block_ahead() -> None:
    calls: list[int] = []

    def reserve() -> int:
        calls.append(1)
        return len(calls)

    source = IdSource(reserve)
    assert source.needs_block
    source.prepare()
    assert not source.needs_block and len(calls) == 1
    source()  # uses the spare: no reservation inside
    assert len(calls) == 1 and source.needs_block


def test_threads_never_share_an_id() -> None:
    source = IdSource(MemoryStore().reserve_id_block)
    seen: list[list[str]] = [[] for _ in range(4)]

    def take(i: int) -> None:
        seen[i].extend(source() for _ in range(5000))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({i for chunk in seen for i in chunk}) == 20000
