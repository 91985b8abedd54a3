"""What the SQLite and PostgreSQL stores share below the transaction: value helpers, and the
`Codec` and `Dialect` that make up the difference between the two databases.

The SQL stores are split by role: `sqlbase` (this), `rows` (rows to records),
`sqltransaction` (the unit of work over named queries) and `sqlstore` (operations that are
one short transaction each). A dialect differs only in its `.sql` files, its `Codec` (how
timestamps, JSON and lists travel to and from the driver) and how it translates driver errors
into `StoreError`s.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from regista.store.errors import StoreError


def aware(ts: datetime, what: str = "timestamp") -> datetime:
    """Reject naive datetimes: the store keeps UTC and cannot guess a zone."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {ts.isoformat()}")
    return ts


def dumps(value: Any, what: str) -> str:
    """JSON text for a column; values must already be JSON-safe."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} must be JSON-safe (str, int, float, bool, None, list, dict): {exc}"
        ) from None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


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

    @abstractmethod
    def text_list(self, values: Sequence[str]) -> Any: ...

    def ts_opt(self, value: Any) -> datetime | None:
        return None if value is None else self.ts_out(value)


class Dialect(ABC):
    """Queries, codec and error translation of one SQL database."""

    name: str
    queries: Mapping[str, str]
    codec: Codec
    driver_error: type[Exception]

    @abstractmethod
    def translate(self, exc: Exception) -> StoreError:
        """A driver exception as a typed store error with a message a user can act on."""

    def execute_many_returning_ids(
        self, conn: Any, sql: str, rows: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        ids: list[int] = []
        for params in rows:
            ids.append(int(conn.execute(sql, params).fetchone()["id"]))
        return ids


NO_KEY = ""


def key_in(key: str | None) -> str:
    return NO_KEY if key is None else key


def key_out(key: str) -> str | None:
    return None if key == NO_KEY else key
