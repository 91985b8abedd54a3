"""The embedded SQLite store: one file, one engine node, WAL, `BEGIN IMMEDIATE` writes.

WAL lets readers (the cockpit, `regista instances`) run while the node writes; every write
transaction starts with `BEGIN IMMEDIATE`, so it holds the single write lock from its first
statement and can never fail half-way with a lock upgrade. A write that waits longer than the
busy timeout raises `StoreBusy`. `synchronous` FULL or NORMAL is the durability choice
described in `regista.settings`.

One node per file: `register_node` takes an exclusive OS lock on `<file>.node-lock`, which the
OS releases when the process dies, so a crashed node never blocks its own restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from regista.settings import SqliteSynchronous
from regista.store.errors import (
    DuplicateKey,
    NodeLockError,
    SchemaOutdated,
    SchemaTooNew,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreUnavailable,
)
from regista.store.interface import SchemaMode
from regista.store.sql import sqlfiles
from regista.store.sql.base import Codec, Dialect
from regista.store.sql.session import SqlSession
from regista.store.sql.store import SqlStore
from regista.store.sql.transaction import SqlTransaction
from regista.store.values import aware, dumps

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_WAL_SIZE_LIMIT = 64 * 1024 * 1024

# Primary result codes (https://sqlite.org/rescode.html)
_SQLITE_CORRUPT = 11
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_CONSTRAINT = 19
_SQLITE_NOTADB = 26


class SqliteCodec(Codec):
    """Timestamps as fixed-width ISO 8601 UTC text ending in Z; JSON as text."""

    def ts(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return aware(value).astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"

    def ts_out(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)

    def json(self, value: Any, what: str) -> str:
        return dumps(value, what)

    def json_out(self, value: Any) -> Any:
        return json.loads(value)

    def text_list(self, values: Sequence[str]) -> str:
        return json.dumps(list(values))


class SqliteDialect(Dialect):
    name = "sqlite"
    driver_error = sqlite3.Error

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self.queries = sqlfiles.queries("sqlite")
        self.codec = SqliteCodec()
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms

    def translate(self, exc: Exception) -> StoreError:
        code = getattr(exc, "sqlite_errorcode", None)
        primary = None if code is None else code & 0xFF
        where = f"SQLite database {self.path}"
        if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return StoreBusy(
                f"the {where} stayed locked by another connection for longer than the busy "
                f"timeout ({self.busy_timeout_ms} ms); another process is holding a write "
                "transaction — retry, or raise REGISTA_SQLITE_BUSY_TIMEOUT_MS"
            )
        if primary == _SQLITE_FULL:
            return StoreFull(
                f"the disk holding the {where} is full; the transaction was rolled back and "
                "nothing committed was lost — free some space and retry"
            )
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return StoreCorrupt(
                f"{self.path} is not a SQLite database or is damaged ({exc}); restore it from "
                "a backup or point REGISTA_DATABASE_URL at another file"
            )
        if primary in (_SQLITE_CANTOPEN, _SQLITE_READONLY, _SQLITE_IOERR):
            return StoreUnavailable(
                f"cannot open or write the {where} ({exc}); check that its directory exists "
                "and is writable"
            )
        if primary == _SQLITE_CONSTRAINT or isinstance(exc, sqlite3.IntegrityError):
            return DuplicateKey(f"a row with the same key already exists ({exc})")
        return StoreError(f"{where}: {exc}")


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements (SQLite runs one per `execute`)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    rest = [ln for ln in buffer.splitlines() if ln.strip() and not ln.lstrip().startswith("--")]
    if rest:
        raise ValueError(f"unterminated SQL statement: {buffer.strip()[:80]}")
    return statements


def path_from_url(url: str) -> Path:
    """`sqlite:///rel.db` → `rel.db` (working directory); `sqlite:////abs.db` → `/abs.db`."""
    if not url.startswith("sqlite:///"):
        raise ValueError(
            f"a SQLite database URL looks like sqlite:///regista.db or sqlite:////abs/path.db, "
            f"not {url!r}"
        )
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not path or path == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be shared; use memory:// instead")
    return Path(path)


class SqliteStore(SqlStore):
    """The store on one SQLite file (see the module docstring)."""

    dialect = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: SqliteSynchronous = "FULL",
        busy_timeout_ms: int = 5000,
        schema: SchemaMode = "migrate",
        max_connections: int = 8,
    ) -> None:
        self.path = Path(path)
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._sql = SqliteDialect(self.path, busy_timeout_ms)
        self._idle: list[sqlite3.Connection] = []
        self._mutex = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closed = False
        self._node_file: IO[str] | None = None
        self._node_id: str | None = None
        if schema == "migrate":
            self.upgrade()
        else:
            found = self.schema_version()  # also opens the file: a bad path fails here
            known = sqlfiles.latest_version("sqlite")
            if schema == "check" and found > known:
                raise SchemaTooNew(found, known)
            if schema == "check" and found < known:
                raise SchemaOutdated(found, known)

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        q = self._sql.queries
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=256,  # every named query stays prepared
            )
        except sqlite3.Error as exc:
            raise self._sql.translate(exc) from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(q["pragma_busy_timeout"].format(ms=int(self._busy_timeout_ms)))
            conn.execute(q["pragma_auto_vacuum_incremental"])  # before a new file's first page
            mode = conn.execute(q["pragma_wal"]).fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreUnavailable(
                    f"SQLite database {self.path} cannot use WAL mode (got {mode!r}); "
                    "put it on a local file system"
                )
            conn.execute(q["pragma_synchronous"].format(mode=self._synchronous))
            # after a checkpoint resets the WAL, truncate a WAL that a burst (or a long
            # reader holding back checkpoints) made large, and no smaller: a WAL file that
            # is written over in place costs less per commit than one that has to grow
            conn.execute(q["pragma_journal_size_limit"].format(size=_WAL_SIZE_LIMIT))
        except sqlite3.Error as exc:
            conn.close()
            raise self._sql.translate(exc) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _acquire(self) -> sqlite3.Connection:
        self._slots.acquire()
        try:
            with self._mutex:
                if self._closed:
                    raise StoreError("the store is closed")
                conn = self._idle.pop() if self._idle else None
            return conn if conn is not None else self._connect()
        except BaseException:
            self._slots.release()
            raise

    def _release(self, conn: sqlite3.Connection, *, broken: bool = False) -> None:
        with self._mutex:
            keep = not (self._closed or broken)
            if keep:
                self._idle.append(conn)
        if not keep:
            conn.close()
        self._slots.release()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._acquire()
        broken = False
        try:
            yield conn
        except BaseException:
            broken = not _rollback(conn)
            raise
        finally:
            self._release(conn, broken=broken)

    @contextmanager
    def _sql_transaction(self, *, write: bool) -> Iterator[SqlTransaction]:
        q = self._sql.queries
        with self._connection() as conn:
            try:
                conn.execute(q["begin_write" if write else "begin_read"])
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc
            session = SqlSession(conn, self._sql, write=write)
            try:
                tx = SqlTransaction(session)
                yield tx
                tx.settle_element_counts()  # the element totals go last (SqlStatistics)
            finally:
                session.close()
            try:
                conn.execute(q["commit"])
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc

    # -- schema -----------------------------------------------------------------------------

    def _version(self, conn: sqlite3.Connection) -> int:
        q = self._sql.queries
        if conn.execute(q["schema_version_table"]).fetchone()["n"] == 0:
            return 0
        return int(conn.execute(q["schema_version_current"]).fetchone()["version"])

    def schema_version(self) -> int:
        with self._connection() as conn:
            try:
                return self._version(conn)
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc

    def upgrade(self, *, fresh_schema: bool = True) -> list[int]:
        """Apply the missing migrations in one transaction; return the versions applied.

        An empty database gets `schema.sql` in one go unless `fresh_schema` is False.
        """
        q = self._sql.queries
        known = sqlfiles.migrations("sqlite")
        latest = sqlfiles.latest_version("sqlite")
        with self._connection() as conn:
            try:
                conn.execute(q["begin_write"])
                current = self._version(conn)
                if current > latest:
                    raise SchemaTooNew(current, latest)
                pending = known[current:]
                if not pending:
                    conn.execute(q["rollback"])
                    return []
                now = self._sql.codec.ts(datetime.now(UTC))
                scripts = (
                    [sqlfiles.fresh_schema("sqlite")]
                    if current == 0 and fresh_schema
                    else [m.sql for m in pending]
                )
                for script in scripts:
                    for statement in split_statements(script):
                        conn.execute(statement)
                for migration in pending:
                    conn.execute(
                        self._sql.queries["schema_version_insert"],
                        {"version": migration.version, "name": migration.name, "now": now},
                    )
                conn.execute(q["commit"])
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc
        return [m.version for m in pending]

    # -- nodes ------------------------------------------------------------------------------

    def register_node(self, node_id: str, *, now: datetime) -> None:
        if self._node_id == node_id:
            self.heartbeat_node(node_id, now=now)
            return
        # the real path: a second node reaching the same file through a symlink (or another
        # relative path) must meet the same lock
        lock_path = Path(f"{os.path.realpath(self.path)}.node-lock")
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held while serving
        try:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise NodeLockError(
                f"another Regista node ({holder}) already serves the SQLite database "
                f"{self.path}; SQLite serves one node — stop that node first, or use "
                "PostgreSQL (REGISTA_DATABASE_URL=postgresql://...) to run several nodes"
            ) from None
        hostname, pid = socket.gethostname(), os.getpid()
        handle.seek(0)
        handle.truncate()
        handle.write(f"node {node_id}, pid {pid} on {hostname}")
        handle.flush()
        self._node_file, self._node_id = handle, node_id
        try:
            self._upsert_node(node_id, hostname, pid, now)
        except BaseException:
            self._unlock_node()
            raise

    def unregister_node(self, node_id: str) -> None:
        if self._node_id != node_id:
            return
        try:
            self._delete_node(node_id)
        finally:
            self._unlock_node()

    def _unlock_node(self) -> None:
        handle, self._node_file, self._node_id = self._node_file, None, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()
            handle.close()  # closing the descriptor releases the flock

    def reclaim_space(self, *, max_pages: int = 2048) -> int:
        q = self._sql.queries
        with self._connection() as conn:
            try:
                if int(conn.execute(q["pragma_auto_vacuum"]).fetchone()[0]) != _INCREMENTAL:
                    return 0
                free = int(conn.execute(q["pragma_freelist_count"]).fetchone()[0])
                if free == 0:
                    return 0
                # executescript steps the pragma to its end (execute frees one page only)
                conn.executescript(q["pragma_incremental_vacuum"].format(pages=int(max_pages)))
                return free - int(conn.execute(q["pragma_freelist_count"]).fetchone()[0])
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc

    def checkpoint(self) -> int:
        q = self._sql.queries
        with self._connection() as conn:
            try:
                # (busy, frames in the log, frames copied); -1s when the file is not in WAL
                _busy, _logged, copied = conn.execute(q["pragma_wal_checkpoint"]).fetchone()
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc
        return max(int(copied), 0)

    def compact(self) -> int:
        q = self._sql.queries
        before = self.path.stat().st_size if self.path.exists() else 0
        with self._connection() as conn:
            try:
                conn.execute(q["pragma_auto_vacuum_incremental"])
                conn.execute(q["vacuum"])
            except sqlite3.Error as exc:
                raise self._sql.translate(exc) from exc
        return max(before - self.path.stat().st_size, 0)

    def close(self) -> None:
        if self._node_id is not None:
            with contextlib.suppress(StoreError):
                self._delete_node(self._node_id)
            self._unlock_node()
        with self._mutex:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_INCREMENTAL = 2
"""`PRAGMA auto_vacuum`'s answer for incremental auto-vacuum."""


def _rollback(conn: sqlite3.Connection) -> bool:
    """Roll back whatever is open; False if the connection is unusable."""
    try:
        if conn.in_transaction:
            conn.execute(sqlfiles.queries("sqlite")["rollback"])
        return True
    except sqlite3.Error:
        return False
