"""The connection the analyses read through: SQL aggregations over the history (and over
imported event logs) run in the database, not in Python.

The store's interface serves the runtime one unit of work at a time; an analysis is one
large read-only aggregate instead, so `insight` opens a connection of its own to the
database the settings name (after `open_store` has checked or migrated its schema). The
few places where SQLite and PostgreSQL differ are the `SqlDialect` fragments below; every
query is written once with `:name` parameters.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from regista.insight.errors import InsightError
from regista.insight.report import PERCENTILES, nearest_ranks
from regista.settings import Settings
from regista.store import StoreError, open_store

__all__ = ["EventDatabase", "SqlDialect", "open_database"]

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SqlDialect:
    """What differs between SQLite and PostgreSQL in the analyses' SQL."""

    name: str

    def epoch(self, column: str) -> str:
        """A stored timestamp as seconds since 1970 (a float)."""
        if self.name == "sqlite":
            # whole seconds from strftime, the microseconds from the fixed-width text (the
            # store writes `YYYY-MM-DDTHH:MM:SS.ffffffZ`); julianday would lose them. The
            # seconds are read from the text without its fraction: SQLite rounds a time to
            # the millisecond, so 05.9996 would read as second 06
            return (
                f"(CAST(strftime('%s', substr({column}, 1, 19)) AS REAL) "
                f"+ CAST(substr({column}, 21, 6) AS REAL) / 1000000.0)"
            )
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS double precision)"

    def floor(self, expression: str) -> str:
        """The integer part of a non-negative number."""
        if self.name == "sqlite":
            return f"CAST({expression} AS INTEGER)"
        return f"CAST(FLOOR({expression}) AS bigint)"

    def json_text(self, column: str, key: str) -> str:
        """The text of the member `key` of a JSON column."""
        if self.name == "sqlite":
            return f"json_extract({column}, '$.{key}')"
        return f"({column} ->> '{key}')"

    def path(self, value: str, separator: str, order: str, partition: str) -> str:
        """The values of a partition joined in `order`: a window function on SQLite (whose
        aggregates take no ORDER BY), an ordered aggregate on PostgreSQL."""
        if self.name == "sqlite":
            return (
                f"group_concat({value}, '{separator}') OVER (PARTITION BY {partition} "
                f"ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
            )
        return f"string_agg({value}, '{separator}' ORDER BY {order})"

    def percentiles(self, value: str) -> str:
        """An aggregate of `value` over the rows of a group: its nearest-rank p50, p90 and
        p99 (`report.PERCENTILES`; NULLs left out), read with `report.ranks`. PostgreSQL's
        `percentile_disc` is the nearest rank; SQLite has no percentile aggregate, so its
        connection registers one (`NearestRanks`)."""
        if self.name == "sqlite":
            return f"nearest_ranks({value})"
        fractions = ", ".join(str(p / 100) for p in PERCENTILES)
        return f"percentile_disc(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY {value})"

    def by_code_point(self, column: str) -> str:
        """An ORDER BY term sorting text as Python compares strings (by code point), so
        that two streams ordered by it can be merged in Python."""
        return column if self.name == "sqlite" else f'{column} COLLATE "C"'

    def timestamp(self, value: datetime) -> Any:
        """A parameter compared with a stored timestamp column."""
        if self.name == "sqlite":
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return value


class NearestRanks:
    """SQLite's `nearest_ranks(value)` aggregate: the group's values sorted once, and the
    value of rank ceil(p/100 * n) for each p of `PERCENTILES`, as a JSON array (NULL for
    a group without values). One Python call per row: cheaper than the window functions
    that rank the rows in SQL (a sort per percentile column)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> str | None:
        if not self.values:
            return None
        self.values.sort()
        return json.dumps(nearest_ranks(self.values))


class EventDatabase:
    """A connection to a Regista database, for the analyses and the event-log import.

    Reads stream (a server-side cursor on PostgreSQL), so an export never holds the whole
    history in memory. Writes happen inside `transaction()` only: all or nothing.
    """

    def __init__(self, conn: Any, dialect: SqlDialect) -> None:
        self._conn = conn
        self.dialect = dialect
        self._cursors = 0

    def _sql(self, sql: str) -> str:
        if self.dialect.name == "postgres":
            return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
        return sql

    def _errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,) if self.dialect.name == "sqlite" else (psycopg.Error,)

    def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """The rows of a query, as dicts by column name."""
        return list(self.stream(sql, params))

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row:
        """The single row of an aggregate query."""
        rows = self.all(sql, params)
        if len(rows) != 1:
            raise InsightError(f"an aggregate query returned {len(rows)} rows, not 1")
        return rows[0]

    def stream(
        self, sql: str, params: Mapping[str, Any] | None = None, *, batch: int = 2000
    ) -> Iterator[Row]:
        """The rows of a query, fetched `batch` at a time."""
        try:
            if self.dialect.name == "postgres":
                # a server-side cursor, named afresh and held outside any transaction, so
                # that two streams can be read in turn (an export merges two)
                self._cursors += 1
                name = f"insight_{self._cursors}"
                with self._conn.cursor(name=name, withhold=True) as cur:
                    cur.itersize = batch
                    cur.execute(self._sql(sql), dict(params or {}))
                    names = [d.name for d in cur.description or ()]
                    for row in cur:
                        yield dict(zip(names, row, strict=True))
                return
            cur = self._conn.execute(sql, dict(params or {}))
            names = [d[0] for d in cur.description or ()]
            while chunk := cur.fetchmany(batch):
                for row in chunk:
                    yield dict(zip(names, row, strict=True))
        except self._errors() as exc:
            raise InsightError(f"the database refused an analysis query: {exc}") from exc

    def tuples(
        self, sql: str, params: Mapping[str, Any] | None = None, *, batch: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a query as plain tuples, fetched `batch` at a time: for the analyses
        that fold a long ordered stream in Python, where a dict per row would cost more
        than the fold."""
        try:
            if self.dialect.name == "postgres":
                self._cursors += 1
                with self._conn.cursor(name=f"insight_{self._cursors}", withhold=True) as cur:
                    cur.itersize = batch
                    cur.execute(self._sql(sql), dict(params or {}))
                    yield from cur
                return
            cur = self._conn.execute(sql, dict(params or {}))
            while chunk := cur.fetchmany(batch):
                yield from chunk
        except self._errors() as exc:
            raise InsightError(f"the database refused an analysis query: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """Writes that commit together at the end of the block, or not at all."""
        try:
            if self.dialect.name == "postgres":
                with self._conn.transaction():
                    yield Writer(self)
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(self)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except self._errors() as exc:
            raise InsightError(f"the database refused a write: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> EventDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Writer:
    """The writes of one `EventDatabase.transaction`."""

    def __init__(self, db: EventDatabase) -> None:
        self._db = db

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Run one statement; returns how many rows it changed."""
        cur = self._db._conn.execute(self._db._sql(sql), dict(params or {}))
        return max(int(cur.rowcount), 0)

    def copy(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int
    ) -> None:
        """Append `rows` (values in the order of `columns`) to `table` in bulk: PostgreSQL's
        COPY (several times faster than batched INSERTs), on SQLite an `executemany` of
        positional rows every `batch` rows. The rows are read as they come, so a generator
        is never held whole."""
        names = ", ".join(columns)
        conn = self._db._conn
        if self._db.dialect.name == "postgres":
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                conn.executemany(sql, chunk)
                chunk = []
        if chunk:
            conn.executemany(sql, chunk)

    def many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one statement for each parameter set."""
        if not rows:
            return
        if self._db.dialect.name == "postgres":
            with self._db._conn.cursor() as cur:
                cur.executemany(self._db._sql(sql), rows)
            return
        self._db._conn.executemany(sql, rows)


def open_database(settings: Settings, *, schema_checked: bool = False) -> EventDatabase:
    """Connect to the database `settings` name, its schema checked (or migrated, as the
    settings say) by the store first unless `schema_checked` (a server whose store opened
    it already). The memory store keeps no history to analyse."""
    url = settings.database_url
    if url.startswith("memory:"):
        raise InsightError(
            "process intelligence reads a SQLite or PostgreSQL database; memory:// keeps "
            "nothing after the run. Set --database-url or REGISTA_DATABASE_URL"
        )
    if not schema_checked:
        try:
            open_store(settings).close()
        except StoreError as exc:
            raise InsightError(str(exc)) from exc
    if url.startswith("sqlite:"):
        from regista.store.sql.sqlite import path_from_url

        conn = sqlite3.connect(path_from_url(url), isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {settings.sqlite_busy_timeout_ms}")
        # an analysis sorts and groups hundreds of thousands of rows: in memory, not on disk
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        # typeshed's aggregate protocol takes and returns ints only; SQLite passes any value
        conn.create_aggregate("nearest_ranks", 1, NearestRanks)  # type: ignore[arg-type]
        return EventDatabase(conn, SqlDialect("sqlite"))
    try:
        pg = psycopg.connect(url, autocommit=True, connect_timeout=5)
        # sorts of an analysis fit in memory; JIT compiling costs more than it saves on
        # queries that run once
        pg.execute("SET work_mem = '64MB'")
        pg.execute("SET jit = off")
    except psycopg.Error as exc:
        raise InsightError(f"cannot connect to PostgreSQL: {exc}") from exc
    return EventDatabase(pg, SqlDialect("postgres"))
