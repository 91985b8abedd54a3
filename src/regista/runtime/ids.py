"""Identifiers for instances, element instances, jobs, timers and the rest.

Ids must be unique across every node sharing a database and across restarts, cheap (the
engine asks for one per element it activates), and strings of digits that fit a signed
64-bit integer, as Camunda 8 clients parse keys. Each source takes numbered blocks from the
database (`Store.reserve_id_block`, a counter that only grows) and counts within the block:
id = BASE + block * BLOCK_SIZE + n. BASE (2^51, as Camunda's first partition) keeps the ids
16 digits wide for billions of blocks, so their text order is their numeric order.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator

__all__ = ["BASE", "BLOCK_SIZE", "IdSource", "counting_blocks"]

BASE = 1 << 51
BLOCK_SIZE = 1_000_000


def counting_blocks() -> Callable[[], int]:
    """Blocks numbered in this process only (1, 2, ...): for a source with no database
    behind it."""
    numbers = itertools.count(1)
    return lambda: next(numbers)


class IdSource:
    """A callable giving a new unique id at each call (thread-safe).

    `reserve` gives a block number never given before. `prepare` takes a spare block ahead
    (the shell calls it before each transaction, outside it), so the block taken when one
    is used up mid-transaction needs no database call; only a transaction that used up
    two whole blocks reserves inline.
    """

    def __init__(self, reserve: Callable[[], int] | None = None) -> None:
        self._reserve = reserve or counting_blocks()
        self._lock = threading.Lock()
        self._spare: int | None = None
        self._block: tuple[Iterator[int], int] = (iter(()), 0)

    @property
    def needs_block(self) -> bool:
        """Whether `prepare` would reserve a block."""
        return self._spare is None

    def prepare(self) -> None:
        """Reserve the spare block if there is none."""
        if self._spare is None:
            block = self._reserve()
            with self._lock:
                if self._spare is None:
                    self._spare = block
                    return
            # another thread prepared meanwhile: this block is simply never used

    def _next_block(self) -> tuple[Iterator[int], int]:
        block, self._spare = self._spare, None
        if block is None:
            block = self._reserve()
        start = BASE + block * BLOCK_SIZE
        return itertools.count(start), start + BLOCK_SIZE

    def __call__(self) -> str:
        while True:
            numbers, end = self._block
            n = next(numbers, end)  # next() on a count is atomic in CPython
            if n < end:
                return str(n)
            with self._lock:
                if self._block[0] is numbers:
                    self._block = self._next_block()
