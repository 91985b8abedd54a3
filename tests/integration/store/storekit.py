"""Helpers for the store integration suite: one `Backend` per test and database kind, with
the raw access the fault-injection tests need (tampering, corrupting, faking versions)."""

from __future__ import annotations

import sqlite3
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

import testkit
from regista.store import Store
from regista.store.interface import SchemaMode
from regista.store.memory import MemoryStore
from regista.store.sql.postgres import PostgresStore
from regista.store.sql.sqlite import SqliteStore

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus some seconds: the fake clock of the suite."""
    return T0 + timedelta(seconds=seconds)


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


#: The history row that holds event `seq` of an instance: its first with a last seq at least
#: `seq` (parameters: instance, seq).
_ROW_OF = "SELECT id FROM history WHERE instance_id = {0} AND seq >= {0} ORDER BY seq LIMIT 1"


class Backend(ABC):
    """One empty database of one kind, private to one test."""

    name: str

    def __init__(self) -> None:
        self.opened: list[Store] = []

    def open(self, schema: SchemaMode = "migrate") -> Store:
        store = self._open(schema)
        self.opened.append(store)
        return store

    @abstractmethod
    def _open(self, schema: SchemaMode) -> Store: ...

    def close_all(self) -> None:
        for store in self.opened:
            store.close()

    @abstractmethod
    def corrupt_state(self, store: Store, instance_id: str) -> None: ...

    @abstractmethod
    def tamper_history(self, store: Store, instance_id: str, seq: int, kind: str) -> None: ...

    @abstractmethod
    def delete_history(self, store: Store, instance_id: str, seq: int) -> None: ...


class MemoryBackend(Backend):
    name = "memory"

    def _open(self, schema: SchemaMode) -> Store:
        return MemoryStore()

    @staticmethod
    def _m(store: Store) -> MemoryStore:
        assert isinstance(store, MemoryStore)
        return store

    def corrupt_state(self, store: Store, instance_id: str) -> None:
        self._m(store).corrupt_state_for_tests(instance_id, "{not json")

    def tamper_history(self, store: Store, instance_id: str, seq: int, kind: str) -> None:
        chain = self._m(store)._tables.history[instance_id]
        chain[seq - 1] = replace(chain[seq - 1], kind=kind)

    def delete_history(self, store: Store, instance_id: str, seq: int) -> None:
        del self._m(store)._tables.history[instance_id][seq - 1]


class SqlBackend(Backend):
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run raw SQL outside the store (with `?` placeholders on SQLite, `%s` on PG)."""

    @abstractmethod
    def schema_dump(self) -> list[tuple[Any, ...]]:
        """Tables, columns, indexes and constraints, normalised for comparison."""

    @property
    @abstractmethod
    def p(self) -> str:
        """The driver's placeholder."""


class SqliteBackend(SqlBackend):
    name = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int = 2000) -> None:
        super().__init__()
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms

    @property
    def p(self) -> str:
        return "?"

    def _open(self, schema: SchemaMode) -> Store:
        return SqliteStore(self.path, busy_timeout_ms=self.busy_timeout_ms, schema=schema)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]
        finally:
            conn.close()

    def corrupt_state(self, store: Store, instance_id: str) -> None:
        self.execute("UPDATE instances SET state = '{not json' WHERE id = ?", [instance_id])

    def tamper_history(self, store: Store, instance_id: str, seq: int, kind: str) -> None:
        # the event's kind inside the row that holds it (schema 19: one row per command)
        self.execute(
            "UPDATE history SET events = json_set(events, "
            "'$[' || (? - (seq - json_array_length(events) + 1)) || '][0]', ?) "
            f"WHERE id = ({_ROW_OF.format('?')})",
            [seq, kind, instance_id, seq],
        )

    def delete_history(self, store: Store, instance_id: str, seq: int) -> None:
        """Delete the row that holds event `seq` (with the other events of its command)."""
        self.execute(f"DELETE FROM history WHERE id = ({_ROW_OF.format('?')})", [instance_id, seq])

    def schema_dump(self) -> list[tuple[Any, ...]]:
        dump: list[tuple[Any, ...]] = []
        tables = self.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        for (table,) in tables:
            for _cid, col, ctype, notnull, default, pk in self.execute(
                f"PRAGMA table_info({table})"
            ):
                dump.append(("column", table, col, ctype.upper(), notnull, default, pk))
            for _, index, unique, origin, partial in self.execute(f"PRAGMA index_list({table})"):
                cols = [r[2] for r in self.execute(f"PRAGMA index_info({index})")]
                dump.append(("index", table, unique, origin, partial, tuple(cols)))
        for name, sql in self.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ):
            dump.append(("index-sql", name, " ".join(sql.split())))
        return sorted(dump, key=repr)


class PostgresBackend(SqlBackend):
    name = "postgres"

    TABLES = (
        "nodes",
        "definitions",
        "instances",
        "jobs",
        "timers",
        "user_tasks",
        "subscriptions",
        "buffered_messages",
        "incidents",
        "history",
        "history_heads",
        "steps",
        "element_counts",
        "variables",
        "decision_instances",
        "users",
        "user_groups",
        "group_members",
        "api_keys",
    )

    def __init__(self, database_url: str, reuse_schema: str | None = None) -> None:
        """A new empty schema, or `reuse_schema` (already migrated) emptied of rows."""
        super().__init__()
        self.schema = reuse_schema or uid("s_")
        self.database_url = database_url
        self.url = f"{database_url}?options=-csearch_path%3D{self.schema}"
        if reuse_schema is None:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        else:
            self.execute("; ".join(f"DELETE FROM {t}" for t in self.TABLES))

    @property
    def p(self) -> str:
        return "%s"

    def _open(self, schema: SchemaMode) -> Store:
        return PostgresStore(self.url, min_size=1, max_size=4, connect_timeout=3, schema=schema)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql.encode() if not params else sql, tuple(params) or None)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def drop(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def corrupt_state(self, store: Store, instance_id: str) -> None:
        self.execute(
            "UPDATE instances SET state = '\"not an object\"'::jsonb WHERE id = %s", [instance_id]
        )

    def tamper_history(self, store: Store, instance_id: str, seq: int, kind: str) -> None:
        # the event's kind inside the row that holds it (schema 19: one row per command)
        self.execute(
            "UPDATE history SET events = jsonb_set(events::jsonb, ARRAY["
            "(%s - (seq - json_array_length(events) + 1))::text, '0'], to_jsonb(%s::text))::json "
            f"WHERE id = ({_ROW_OF.format('%s')})",
            [seq, kind, instance_id, seq],
        )

    def delete_history(self, store: Store, instance_id: str, seq: int) -> None:
        """Delete the row that holds event `seq` (with the other events of its command)."""
        self.execute(f"DELETE FROM history WHERE id = ({_ROW_OF.format('%s')})", [instance_id, seq])

    def schema_dump(self) -> list[tuple[Any, ...]]:
        dump: list[tuple[Any, ...]] = []
        for row in self.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, "
            "is_identity FROM information_schema.columns WHERE table_schema = %s",
            [self.schema],
        ):
            dump.append(("column", *row))
        for name, definition in self.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [self.schema]
        ):
            dump.append(("index", name, definition.replace(f"{self.schema}.", "")))
        for row in self.execute(
            "SELECT tc.table_name, tc.constraint_type, cc.check_clause, "
            "string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) "
            "FROM information_schema.table_constraints tc "
            "LEFT JOIN information_schema.key_column_usage kcu "
            "  ON kcu.constraint_name = tc.constraint_name "
            "  AND kcu.constraint_schema = tc.constraint_schema "
            "LEFT JOIN information_schema.check_constraints cc "
            "  ON cc.constraint_name = tc.constraint_name "
            "  AND cc.constraint_schema = tc.constraint_schema "
            "WHERE tc.table_schema = %s AND tc.constraint_type <> 'CHECK' "
            "   OR (tc.table_schema = %s AND cc.check_clause NOT LIKE '%%IS NOT NULL') "
            "GROUP BY tc.table_name, tc.constraint_type, cc.check_clause",
            [self.schema, self.schema],
        ):
            dump.append(("constraint", *row))
        return sorted(dump, key=repr)


def history_before_19(backend: SqlBackend) -> None:
    """Turn the history back into what schema 18 kept (see `testkit.history_before_19`)."""
    for statement in testkit.history_before_19(backend.name):
        backend.execute(statement)
