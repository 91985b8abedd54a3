"""Statements over one connection inside one transaction, and how they travel: the SQL
session below `SqlTransaction`, which only says which named statement to run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from regista.store.errors import Check, DeferredCheckFailed, StoreError
from regista.store.sql.base import Batch, Codec, Dialect
from regista.store.sql.rows import Row, RowMapper

__all__ = ["SqlSession"]


class SqlSession:
    """Named queries over one DB-API-like connection, inside one transaction.

    Where the dialect defers writes (PostgreSQL), writes whose result is not needed — the
    effect rows, the history, `BEGIN` itself — are queued and sent together with the next
    statement that needs an answer, or with `COMMIT`, in one round trip (a pipeline).
    They run in the order they were issued, inside the same transaction; an error in any of
    them fails the statement that sends them (or the commit), and the whole unit of work
    rolls back as before. Reads announced ahead (`read_ahead`) travel the same way, and
    checked writes (`write_checked`) go out with the commit, their checks kept to explain a
    failed commit. On a dialect that does not defer, every statement runs at once.
    """

    def __init__(
        self, conn: Any, dialect: Dialect, *, write: bool, begin: str | None = None
    ) -> None:
        self._raw = conn
        self.dialect = dialect
        self.codec: Codec = dialect.codec
        self.rows = RowMapper(dialect.codec)
        self._q = dialect.queries
        self._defers = dialect.defers_writes
        self._write = write
        self._open = True
        self._begin = begin
        self._pending: Batch = [] if begin is None else [(begin, None, None)]
        """Statements not sent yet, with the cursor to run each on (None: results unused)."""
        self._cursor: Any = None
        self._ahead: dict[str, Any] = {}
        """Cursors of reads queued ahead (`read_ahead`), by key."""
        self._checks: list[Check] = []
        """Checks that go out with the commit (see `DeferredCheckFailed`)."""
        self._began = False

    # -- statements -------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the dialect has the named statement (SQLite needs no advisory locks)."""
        return name in self._q

    def one(self, name: str, /, *, write: bool = False, **params: Any) -> Row | None:
        """Run a statement and return its first row (None: no row)."""
        rows = self.all(name, write=write, **params)
        return rows[0] if rows else None

    def all(self, name: str, /, *, write: bool = False, **params: Any) -> list[Row]:
        """Run a statement (after what is queued) and return its rows."""
        self.check_usable(name, write=write)
        try:
            cursor = self._send(self._q[name], params)
            return cast(list[Row], cursor.fetchall()) if cursor.description else []
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc

    def change(self, name: str, /, **params: Any) -> int:
        """Run a write statement (after what is queued); returns how many rows it changed."""
        self.check_usable(name, write=True)
        try:
            count = self._send(self._q[name], params).rowcount
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc
        return max(int(count), 0)

    def sql(self, name: str) -> str:
        """The text of a named statement or piece of one, to build a statement from pieces
        (the lists of `search.py`)."""
        return self._q[name]

    def query(self, label: str, sql: str, params: Mapping[str, Any]) -> list[Row]:
        """Run a read built from named pieces (`sql`) and return its rows; `label` names it
        in errors."""
        self.check_usable(label, write=False)
        try:
            cursor = self._send(sql, params)
            return cast(list[Row], cursor.fetchall()) if cursor.description else []
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc

    def write(self, name: str, /, **params: Any) -> None:
        """A write whose result is not needed (queued where the dialect defers writes)."""
        self._queue(name, params)

    def write_many(self, name: str, rows: Sequence[Any]) -> None:
        """One write statement for each of `rows`, whose results are not needed."""
        if self._defers:
            for params in rows:
                self._queue(name, params)
            return
        self.check_usable(name, write=True)
        try:
            self._reader().executemany(self._q[name], rows)
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc

    def write_checked(self, name: str, params: Mapping[str, Any], check: Check) -> bool:
        """Send a write with the commit, written to fail it when `check` does not hold (the
        commit then raises what `check` says). False, and nothing done, where the dialect
        runs every statement at once: the caller checks the usual way."""
        if not self._defers:
            return False
        self._queue(name, params)
        self._checks.append(check)
        return True

    def read_ahead(self, key: str, name: str, /, **params: Any) -> None:
        """Queue a read to go out with the next round trip; `take_ahead(key)` gets its rows.
        Nothing happens where the dialect does not defer (the caller reads when needed)."""
        if not self._defers:
            return
        self.check_usable(name, write=False)
        if key not in self._ahead:
            self._ahead[key] = cursor = self._raw.cursor()
            self._pending.append((self._q[name], params, cursor))

    def take_ahead(self, key: str) -> list[Row] | None:
        """The rows of the read queued ahead under `key` (None: there is none)."""
        cursor = self._ahead.pop(key, None)
        if cursor is None:
            return None
        if any(c is cursor for _, _, c in self._pending):
            self.flush()
        self.check_usable(key, write=False)
        return cast(list[Row], cursor.fetchall())

    # -- the transaction --------------------------------------------------------------------

    def check_usable(self, name: str, *, write: bool) -> None:
        """Refuse to run anything once the transaction ended, and writes when read-only."""
        if not self._open:
            raise StoreError(
                "this transaction has already ended; open a new one with store.transaction()"
            )
        if write and not self._write:
            raise StoreError(f"{name}: cannot write in a read-only transaction (write=False)")

    def flush(self) -> None:
        """Send what is queued now (it is sent before any read anyway)."""
        try:
            self._send(None)
        except self.dialect.driver_error as exc:
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
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc

    def close(self) -> None:
        self._open = False

    @property
    def began(self) -> bool:
        """Whether anything reached the database (so that there is something to roll back)."""
        return self._began

    # -- plumbing ---------------------------------------------------------------------------

    def _reader(self) -> Any:
        """The transaction's cursor for statements whose rows are read at once."""
        if self._cursor is None:
            self._cursor = self._raw.cursor()
        return self._cursor

    def _send(self, sql: str | None, params: Any = None) -> Any:
        """Run what is queued and then `sql` (if any) on the reader; returns the reader.
        Driver errors are raised as they are."""
        self._began = True
        cursor: Any = None
        if sql is not None:
            cursor = self._reader()
        if not self._pending:
            if sql is not None:
                cursor.execute(sql, params)
            return cursor
        batch, self._pending = self._pending, []
        if sql is not None:
            batch.append((sql, params, cursor))
        self.dialect.run_batch(self._raw, batch)
        return cursor

    def _queue(self, name: str, params: Any) -> None:
        self.check_usable(name, write=True)
        if self._defers:
            self._pending.append((self._q[name], params, None))
            return
        try:
            self._reader().execute(self._q[name], params)
        except self.dialect.driver_error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: Exception) -> StoreError:
        """A driver error as a store error."""
        if self._checks and self.dialect.check_failed(exc):
            return DeferredCheckFailed(list(self._checks))
        return self.dialect.translate(exc)
