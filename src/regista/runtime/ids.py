"""Identifiers for instances, element instances, jobs, timers and the rest.

Ids must be unique across every node sharing a database and across restarts, and cheap:
the engine asks for one per element it activates. Each source draws a random 48-bit prefix
once and counts from there, so an id costs a counter increment.
"""

from __future__ import annotations

import itertools
import secrets

__all__ = ["IdSource"]


class IdSource:
    """A callable giving a new unique id at each call (thread-safe)."""

    def __init__(self, prefix: str | None = None) -> None:
        self._prefix = prefix if prefix is not None else secrets.token_hex(6)
        self._numbers = itertools.count(1)  # next() on a count is atomic in CPython

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._numbers):05x}"
