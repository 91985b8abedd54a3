"""The PostgreSQL store: psycopg 3 over a connection pool; many engine nodes, one database.

Transactions run in READ COMMITTED. An instance is locked with `SELECT ... FOR UPDATE` for
the whole unit of work; jobs, timers and buffered messages are taken with
`FOR UPDATE SKIP LOCKED`, so concurrent nodes claim disjoint rows without waiting for each
other. Migrations run under an advisory lock, so nodes starting together migrate once.

Round trips are what a unit of work costs here, so statements travel in pipelines (see
`SqlSession`): `BEGIN` waits for the first statement that needs an answer, and the effect
rows, the history and the version-checked update go out with `COMMIT`. A check that cannot
wait for its answer there — the instance's version, the latest version of a process — is
written so that it fails the statement (a division by zero when no row matched), which
aborts the transaction, so that the commit fails; after the rollback `_failed_check` reads
which check it was and raises `VersionConflict` or `StaleDefinition`. A unit of work that
starts an instance is one round trip; one that completes a job, two.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from regista.settings import redact_url
from regista.store.errors import (
    DeferredCheckFailed,
    DuplicateKey,
    SchemaError,
    SchemaOutdated,
    SchemaTooNew,
    SerializationConflict,
    StaleDefinition,
    StoreBusy,
    StoreError,
    StoreFull,
    StoreUnavailable,
    VersionConflict,
)
from regista.store.interface import SchemaMode
from regista.store.sql import sqlfiles
from regista.store.sql.base import Batch, Codec, Dialect, run_on_cursors
from regista.store.sql.session import SqlSession
from regista.store.sql.store import SqlStore
from regista.store.sql.transaction import SqlTransaction
from regista.store.values import aware, dumps

Conn = psycopg.Connection[dict[str, Any]]


def _identity(text: str) -> str:
    return text


class PostgresCodec(Codec):
    """Timestamps as timestamptz; JSON as jsonb (serialized here so errors name the column)."""

    def ts(self, value: datetime | None) -> datetime | None:
        return None if value is None else aware(value)

    def ts_out(self, value: Any) -> datetime:
        ts: datetime = value
        return ts.astimezone(UTC)

    def json(self, value: Any, what: str) -> Jsonb:
        return Jsonb(dumps(value, what), dumps=_identity)

    def json_out(self, value: Any) -> Any:
        return value

    def json_text(self, text: str) -> Jsonb:
        return Jsonb(text, dumps=_identity)

    def text_list(self, values: Sequence[str]) -> list[str]:
        return list(values)


class PostgresDialect(Dialect):
    name = "postgres"
    driver_error = psycopg.Error
    defers_writes = True
    history_as_json = True

    def __init__(self, url: str) -> None:
        self.queries = sqlfiles.queries("postgres")
        self.codec = PostgresCodec()
        self.where = redact_url(url)

    def translate(self, exc: Exception) -> StoreError:
        if isinstance(exc, pgerrors.UniqueViolation) and exc.diag.table_name == "history":
            # two units of work extended one chain: the loser retries, there is no fork
            return SerializationConflict(
                "the history of an instance was appended to concurrently (lock the instance "
                f"first); nothing was committed — retry ({exc.diag.message_detail or exc})"
            )
        if isinstance(exc, pgerrors.UniqueViolation):
            detail = exc.diag.message_detail or str(exc)
            return DuplicateKey(f"a row with the same key already exists ({detail})")
        if isinstance(
            exc,
            pgerrors.SerializationFailure | pgerrors.DeadlockDetected | pgerrors.LockNotAvailable,
        ):
            return SerializationConflict(
                f"PostgreSQL aborted the transaction to resolve a conflict ({exc}); "
                "nothing was committed — retry"
            )
        if isinstance(exc, pgerrors.QueryCanceled):
            return StoreBusy(f"a statement was cancelled (statement or lock timeout): {exc}")
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if sqlstate.startswith("53"):
            return StoreFull(
                f"PostgreSQL at {self.where} is out of disk, memory or connections ({exc}); "
                "the transaction was rolled back and nothing committed was lost"
            )
        if isinstance(exc, pgerrors.UndefinedTable | pgerrors.UndefinedColumn):
            return SchemaError(
                f"the database at {self.where} lacks Regista's tables ({exc}); "
                "run `regista db upgrade`"
            )
        if isinstance(exc, psycopg.OperationalError):
            return StoreUnavailable(
                f"lost the connection to PostgreSQL at {self.where} ({exc}); if it dropped "
                "during a commit, that transaction may or may not have committed — reload "
                "before retrying (rows carry their ids, so a repeated insert is refused, "
                "not duplicated)"
            )
        return StoreError(f"PostgreSQL at {self.where}: {exc}")

    def run_batch(self, conn: Any, batch: Batch) -> None:
        """One round trip: the statements go out as a pipeline and the results of all come
        back at its sync."""
        if len(batch) == 1:
            run_on_cursors(conn, batch)
            return
        with conn.pipeline():
            run_on_cursors(conn, batch)

    def check_failed(self, exc: Exception) -> bool:
        return isinstance(exc, pgerrors.DivisionByZero)


def _rollback(conn: Conn) -> None:
    """Roll back what the failed unit of work left open (a broken connection is dropped by
    the pool when it comes back)."""
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
    except psycopg.Error:
        pass


def _failed_check(conn: Conn, queries: Mapping[str, str], exc: DeferredCheckFailed) -> StoreError:
    """Which check sent with the commit failed, read after the rollback."""
    try:
        for kind, key, expected in exc.checks:
            if kind == "version":
                row = conn.execute(queries["instance_version"], {"id": key}).fetchone()
                actual = None if row is None else int(row["version"])
                if actual != expected:
                    return VersionConflict(key, expected, actual)
            else:
                row = conn.execute(queries["definition_latest_id"], {"process_id": key}).fetchone()
                if row is None or row["id"] != expected:
                    return StaleDefinition(key, expected)
    except psycopg.Error:
        pass
    return exc


def _configure(conn: Conn) -> None:
    conn.execute(sqlfiles.queries("postgres")["session_setup"])


class PostgresStore(SqlStore):
    """The store on a PostgreSQL database (see the module docstring)."""

    dialect = "postgres"

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 5.0,
        schema: SchemaMode = "migrate",
    ) -> None:
        self.url = url
        self._sql = PostgresDialect(url)
        self._timeout = connect_timeout
        if schema == "migrate":
            self.upgrade()
        else:
            found = self.schema_version()  # also fails fast when the server is down
            known = sqlfiles.latest_version("postgres")
            if schema == "check" and found > known:
                raise SchemaTooNew(found, known)
            if schema == "check" and found < known:
                raise SchemaOutdated(found, known)
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max(max_size, min_size),
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": max(1, round(connect_timeout)),
            },
            configure=_configure,
            timeout=connect_timeout,
            open=False,
            name="regista",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise self._unreachable(exc) from exc

    def _unreachable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot connect to PostgreSQL at {self._sql.where} ({exc}); is the server "
            "running, and is REGISTA_DATABASE_URL right?"
        )

    @contextmanager
    def _direct(self) -> Iterator[Conn]:
        """A connection outside the pool, for schema work before the pool exists."""
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=max(1, round(self._timeout)),
            )
        except psycopg.Error as exc:
            raise self._unreachable(exc) from exc
        try:
            yield conn
        except psycopg.Error as exc:
            raise self._sql.translate(exc) from exc
        finally:
            conn.close()

    @contextmanager
    def _sql_transaction(self, *, write: bool) -> Iterator[SqlTransaction]:
        try:
            with self._pool.connection(timeout=self._timeout) as conn:
                # BEGIN waits for the first statement and COMMIT goes with the last writes
                # (see SqlTransaction): a short unit of work is two or three round trips
                q = self._sql.queries
                session = SqlSession(conn, self._sql, write=write, begin=q["begin"])
                try:
                    tx = SqlTransaction(session)
                    yield tx
                    # the element totals go last, their row locks in one order (SqlStatistics)
                    tx.settle_element_counts()
                    session.commit(q["commit"])
                except DeferredCheckFailed as exc:
                    session.close()
                    _rollback(conn)
                    raise _failed_check(conn, q, exc) from exc
                except BaseException:
                    session.close()
                    if session.began:
                        _rollback(conn)
                    raise
        except PoolTimeout as exc:
            raise StoreUnavailable(
                f"no connection to PostgreSQL at {self._sql.where} became free within "
                f"{self._timeout:g} s (pool of {self._pool.max_size}); the server may be down "
                "or overloaded"
            ) from exc
        except psycopg.Error as exc:
            raise self._sql.translate(exc) from exc

    # -- schema -----------------------------------------------------------------------------

    def _version(self, conn: Conn) -> int:
        q = self._sql.queries
        row = conn.execute(q["schema_version_table"]).fetchone()
        if row is None or row["n"] == 0:
            return 0
        current = conn.execute(q["schema_version_current"]).fetchone()
        return 0 if current is None else int(current["version"])

    def schema_version(self) -> int:
        with self._direct() as conn:
            return self._version(conn)

    def upgrade(self, *, fresh_schema: bool = True) -> list[int]:
        """Apply the missing migrations in one transaction; return the versions applied.

        An empty database gets `schema.sql` in one go unless `fresh_schema` is False.
        """
        known = sqlfiles.migrations("postgres")
        latest = sqlfiles.latest_version("postgres")
        with self._direct() as conn, conn.transaction():
            conn.execute(self._sql.queries["schema_lock"])
            current = self._version(conn)
            if current > latest:
                raise SchemaTooNew(current, latest)
            pending = known[current:]
            if not pending:
                return []
            scripts = (
                [sqlfiles.fresh_schema("postgres")]
                if current == 0 and fresh_schema
                else [m.sql for m in pending]
            )
            for script in scripts:
                conn.execute(script.encode())
            now = datetime.now(UTC)
            for migration in pending:
                conn.execute(
                    self._sql.queries["schema_version_insert"],
                    {"version": migration.version, "name": migration.name, "now": now},
                )
        return [m.version for m in pending]

    # -- nodes ------------------------------------------------------------------------------

    def register_node(self, node_id: str, *, now: datetime) -> None:
        """Many nodes may share PostgreSQL; registering only makes a node visible."""
        self._upsert_node(node_id, socket.gethostname(), os.getpid(), now)

    def unregister_node(self, node_id: str) -> None:
        self._delete_node(node_id)

    def close(self) -> None:
        self._pool.close()
