"""Store capabilities kept beside the core store: named queries from extra `.sql` files, run
inside the transactions of the SQL stores.

Each capability module (`retention`, `correlation`, `leases`, `lookups`) has a query file
per dialect (`sql/<dialect>/<module>.sql`, the same `-- name:` format as `queries.sql`) and
an in-memory twin working on the `MemoryStore` tables, so the three stores keep one
contract. A dialect may leave a query out where it has nothing to do (SQLite needs no
advisory locks): `SqlAccess.has` tells.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, cast

from regista.store.errors import StoreError
from regista.store.interface import Transaction
from regista.store.memory.transaction import MemoryTransaction, Tables
from regista.store.sql import sqlfiles
from regista.store.sql.base import Codec
from regista.store.sql.rows import Row, RowMapper
from regista.store.sql.transaction import SqlTransaction

__all__ = ["SqlAccess", "memory_tables", "query_file", "sql_access"]


@cache
def query_file(dialect: sqlfiles.SqlDialect, filename: str) -> dict[str, str]:
    """The named queries of `sql/<dialect>/<filename>` (read once)."""
    text = (
        resources.files("regista.store.sql")
        .joinpath("queries", dialect, filename)
        .read_text("utf-8")
    )
    return sqlfiles.parse_queries(text, dialect)


class SqlAccess:
    """Runs the named queries of one file inside one SQL transaction."""

    def __init__(self, tx: SqlTransaction, filename: str) -> None:
        self._tx = tx
        self._dialect = tx._dialect
        name = self._dialect.name
        if name not in ("sqlite", "postgres"):
            raise StoreError(f"no {filename} queries for the {name} dialect")
        self.dialect = name
        self._q = query_file(cast(sqlfiles.SqlDialect, name), filename)

    @property
    def codec(self) -> Codec:
        return self._tx._c

    @property
    def rows(self) -> RowMapper:
        return self._tx._rows

    def has(self, name: str) -> bool:
        return name in self._q

    def all(self, name: str, /, *, write: bool = False, **params: Any) -> list[Row]:
        """Run a query and fetch its rows (none for a statement without a result)."""
        self._tx._usable(name, write=write)
        try:
            cursor = self._tx._conn.execute(self._q[name], params)
            return cast(list[Row], cursor.fetchall()) if cursor.description else []
        except self._dialect.driver_error as exc:
            raise self._dialect.translate(exc) from exc

    def one(self, name: str, /, *, write: bool = False, **params: Any) -> Row | None:
        rows = self.all(name, write=write, **params)
        return rows[0] if rows else None

    def change(self, name: str, /, **params: Any) -> int:
        """Run a write statement; returns how many rows it changed."""
        self._tx._usable(name, write=True)
        try:
            count = self._tx._conn.execute(self._q[name], params).rowcount
        except self._dialect.driver_error as exc:
            raise self._dialect.translate(exc) from exc
        return max(int(count), 0)


def sql_access(tx: Transaction, filename: str) -> SqlAccess | None:
    """Access to the queries of `filename` when `tx` belongs to a SQL store, else None."""
    return SqlAccess(tx, filename) if isinstance(tx, SqlTransaction) else None


def memory_tables(tx: Transaction) -> tuple[MemoryTransaction, Tables]:
    """The tables behind a `MemoryStore` transaction."""
    if not isinstance(tx, MemoryTransaction):
        raise StoreError(
            f"a {type(tx).__name__} is neither a SQL nor an in-memory store transaction"
        )
    return tx, tx._t
