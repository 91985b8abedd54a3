"""The plumbing below `SqlTransaction`: named queries run over one connection, with the
writes a dialect defers queued until the next round trip (see `SqlSession`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from regista.store.errors import Check, DeferredCheckFailed, StoreError
from regista.store.sql.base import Batch, Dialect
from regista.store.sql.rows import Row, RowMapper

__all__ = ["SqlSession"]

_T = TypeVar("_T")


class SqlSession:
    """Named queries over one DB-API-like connection, inside one transaction.

    Where the dialect defers writes (PostgreSQL), writes whose result is not needed — the
    effect rows, the history, `BEGIN` itself — are queued and sent together with the next
    statement that needs an answer, or with `COMMIT`, in one round trip (a pipeline).
    They run in the order they were issued, inside the same transaction; an error in any of
    them fails the statement that sends them (or the commit), and the whole unit of work
    rolls back as before. `_conn` sends what is queued before any statement run through it,
    so code beside the store that executes its own queries sees every earlier write.
    """

    def __init__(
        self, conn: Any, dialect: Dialect, *, write: bool, begin: str | None = None
    ) -> None:
        self._raw = conn
        self._dialect = dialect
        self._q = dialect.queries
        self._c = dialect.codec
        self._rows = RowMapper(dialect.codec)
        self._write = write
        self._open = True
        self._heads: dict[str, tuple[int, str | None]] = {}
        self._begin = begin
        self._pending: Batch = [] if begin is None else [(begin, None, None)]
        """Statements not sent yet, with the cursor to run each on (None: results unused)."""
        self._cursor: Any = None
        self._ahead: dict[str, Any] = {}
        """Cursors of reads queued ahead (`will_lock`), by key."""
        self._checks: list[Check] = []
        """Checks that go out with the commit (see `DeferredCheckFailed`)."""
        self._began = False
        self._conn: Any = conn if not dialect.defers_writes else _Flushing(self)

    def close(self) -> None:
        self._open = False

    # -- plumbing ---------------------------------------------------------------------------

    def _usable(self, name: str, *, write: bool) -> None:
        if not self._open:
            raise StoreError(
                "this transaction has already ended; open a new one with store.transaction()"
            )
        if write and not self._write:
            raise StoreError(f"{name}: cannot write in a read-only transaction (write=False)")

    def _reader(self) -> Any:
        """The transaction's cursor for statements whose rows are read at once."""
        if self._cursor is None:
            self._cursor = self._raw.cursor()
        return self._cursor

    def _send(self, sql: str | None, params: Any = None, cursor: Any = None) -> Any:
        """Run what is queued and then `sql` (if any) on `cursor` (default: the reader);
        returns that cursor. Driver errors are raised as they are."""
        self._began = True
        if sql is not None and cursor is None:
            cursor = self._reader()
        if not self._pending:
            if sql is not None:
                cursor.execute(sql, params)
            return cursor
        batch, self._pending = self._pending, []
        if sql is not None:
            batch.append((sql, params, cursor))
        self._dialect.run_batch(self._raw, batch)
        return cursor

    def _error(self, exc: Exception) -> StoreError:
        """A driver error as a store error."""
        if self._checks and self._dialect.check_failed(exc):
            return DeferredCheckFailed(list(self._checks))
        return self._dialect.translate(exc)

    def _run(self, name: str, params: Mapping[str, Any], *, write: bool) -> Any:
        self._usable(name, write=write)
        try:
            return self._send(self._q[name], params)
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    def _fetch(self, name: str, params: Mapping[str, Any], *, write: bool) -> list[Row]:
        self._usable(name, write=write)
        try:
            return cast(list[Row], self._send(self._q[name], params).fetchall())
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    def _one(self, query: str, /, *, write: bool = False, **params: Any) -> Row | None:
        rows = self._fetch(query, params, write=write)
        return rows[0] if rows else None

    def _all(self, query: str, /, *, write: bool = False, **params: Any) -> list[Row]:
        return self._fetch(query, params, write=write)

    def _mut(self, query: str, /, **params: Any) -> None:
        """A write whose result is not needed (queued where the dialect defers writes)."""
        self._queue(query, params)

    def _queue(self, query: str, params: Any) -> None:
        self._usable(query, write=True)
        if self._dialect.defers_writes:
            self._pending.append((self._q[query], params, None))
            return
        try:
            self._reader().execute(self._q[query], params)
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    def _many(self, query: str, rows: Sequence[Any]) -> None:
        """One write statement for each of `rows`, whose results are not needed."""
        if self._dialect.defers_writes:
            for params in rows:
                self._queue(query, params)
            return
        self._usable(query, write=True)
        try:
            self._reader().executemany(self._q[query], rows)
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    def flush(self) -> None:
        """Send what is queued now (it is sent before any read anyway)."""
        try:
            self._send(None)
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    def commit(self, command: str = "COMMIT") -> None:
        """Send what is queued and `command` in one round trip (the dialect store calls
        this at the end of the block; a transaction that never sent anything sends nothing).
        """
        self._open = False
        if not self._began and all(sql == self._begin for sql, _, _ in self._pending):
            self._pending = []
            return
        try:
            self._send(command)
        except self._dialect.driver_error as exc:
            raise self._error(exc) from exc

    @property
    def began(self) -> bool:
        """Whether anything reached the database (so that there is something to roll back)."""
        return self._began

    def will_lock(self, instance_id: str) -> None:
        if not self._dialect.defers_writes:
            return
        self._usable("will_lock", write=False)
        key = f"lock:{instance_id}"
        if key not in self._ahead:
            self._ahead[key] = cursor = self._raw.cursor()
            self._pending.append((self._q["instance_lock"], {"id": instance_id}, cursor))

    def _maybe(self, mapper: Callable[[Row], _T], row: Row | None) -> _T | None:
        return None if row is None else mapper(row)


class _Flushing:
    """The connection as code beside the store sees it: every `execute` first sends the
    writes the transaction queued, and returns a cursor whose results are all there."""

    def __init__(self, tx: SqlSession) -> None:
        self._tx = tx

    def execute(self, sql: Any, params: Any = None) -> Any:
        return self._tx._send(sql, params, self._tx._raw.cursor())

    def __getattr__(self, name: str) -> Any:
        self._tx.flush()
        return getattr(self._tx._raw, name)
