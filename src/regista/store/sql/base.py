"""What the SQLite and PostgreSQL stores share below the transaction: the `Codec` and
`Dialect` that make up the difference between the two databases.

A dialect differs only in its `.sql` files, its `Codec` (how timestamps, JSON and lists
travel to and from the driver), how it runs a batch of statements (PostgreSQL: one pipeline,
one round trip) and how it translates driver errors into `StoreError`s.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from regista.store.errors import StoreError

Batch = list[tuple[str, Any, Any]]
"""Statements with their parameters and the cursor to run each on (None: any, the results
are not read), sent one after the other."""


class Codec(ABC):
    """How values travel between Python and one driver."""

    @abstractmethod
    def ts(self, value: datetime | None) -> Any: ...

    @abstractmethod
    def ts_out(self, value: Any) -> datetime: ...

    @abstractmethod
    def json(self, value: Any, what: str) -> Any: ...

    @abstractmethod
    def json_out(self, value: Any) -> Any: ...

    def json_text(self, text: str) -> Any:
        """A JSON column from text that is already JSON (see `dumps`)."""
        return text

    @abstractmethod
    def text_list(self, values: Sequence[str]) -> Any: ...

    def ts_opt(self, value: Any) -> datetime | None:
        return None if value is None else self.ts_out(value)


def hash_in(digest: str) -> bytes:
    """A history hash (hex SHA-256) as the database keeps it: its 32 bytes (schema 18)."""
    return bytes.fromhex(digest)


def hash_out(value: Any) -> str:
    """A history hash from the database as hex; a row written before schema 18 may hold
    the hex text itself (SQLite keeps those as they were)."""
    if isinstance(value, str):
        return value
    return bytes(value).hex()


def hash_opt(value: Any) -> str | None:
    return None if value is None else hash_out(value)


def run_on_cursors(conn: Any, batch: Batch) -> None:
    """Run the statements in order, each on its cursor (or on a shared one)."""
    sink: Any = None
    for sql, params, cursor in batch:
        if cursor is None:
            if sink is None:
                sink = conn.cursor()
            cursor = sink
        cursor.execute(sql, params)


class Dialect(ABC):
    """Queries, codec and error translation of one SQL database."""

    name: str
    queries: Mapping[str, str]
    codec: Codec
    driver_error: type[Exception]
    defers_writes: bool = False
    """Whether writes whose result is not needed wait for the next round trip (see
    `SqlTransaction`); worth it where each statement is a round trip to a server."""
    history_as_json: bool = False
    """Whether history rows go to the database as one JSON parameter (`history_add_rows`)
    rather than one parameter set per row (`history_add`)."""

    @abstractmethod
    def translate(self, exc: Exception) -> StoreError:
        """A driver exception as a typed store error with a message a user can act on."""

    def run_batch(self, conn: Any, batch: Batch) -> None:
        """Run the statements in order, each on its cursor."""
        run_on_cursors(conn, batch)

    def check_failed(self, exc: Exception) -> bool:
        """Whether a driver error is a version check that went out with the commit
        (`instance_update_checked`) finding another version."""
        return False


NO_KEY = ""


def key_in(key: str | None) -> str:
    return NO_KEY if key is None else key


def key_out(key: str) -> str | None:
    return None if key == NO_KEY else key
