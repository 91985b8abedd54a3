"""Helpers every suite may use: waiting on a condition instead of sleeping, and the
PostgreSQL server of the integration tests.

The server is at $REGISTA_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
Each test session (each xdist worker) creates a database of its own (the `pg_database`
fixture of `tests/conftest.py`) and drops it at the end; the suites make schemas in it.
When the server is unreachable the PostgreSQL cases are skipped with the reason — except
with CI=true, where they fail, so that CI can never pass without having run them.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg
import pytest

__all__ = [
    "PG_ADMIN_URL",
    "admin_connection",
    "create_database",
    "pg_lock_waiters",
    "wait_until",
    "with_database",
]

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 30.0, *, interval: float = 0.02, what: str = ""
) -> T:
    """Poll `predicate` until it returns something true and return that; fail the test after
    `timeout` seconds. The timeout is a deadline for a hung test, not a measurement: a test
    waits for what it needs, however slow the machine, and never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"still waiting after {timeout:g} s for {what or predicate}")
        time.sleep(interval)


# -- PostgreSQL -------------------------------------------------------------------------

PG_ADMIN_URL = os.environ.get(
    "REGISTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def with_database(url: str, database: str) -> str:
    """`url` with its database replaced by `database`."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


def admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's admin database; skips the test when the server is
    unreachable (fails it under CI=true)."""
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"PostgreSQL is unreachable at {PG_ADMIN_URL} ({exc})".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(f"{reason}; set REGISTA_TEST_POSTGRES_URL or start the server")


def create_database(prefix: str = "regista_test_") -> Iterator[str]:
    """Create a database private to this test session, yield its URL, drop it at the end."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(PG_ADMIN_URL, name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_lock_waiters(url: str) -> int:
    """How many sessions of the database at `url` wait for a lock now: a test holds a lock
    until it sees the contender queue for it, rather than for a guessed while."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def history_before_19(dialect: str) -> list[str]:
    """Statements that turn the history back into what schema 18 kept: one row per event
    (numbered in the order of the events' ids), without the view of schema 19."""
    pg = dialect == "postgres"
    types = ("bigint", "timestamptz", "jsonb", "bytea") if pg else ("INTEGER", "TEXT", "TEXT")
    renames = [
        "ALTER INDEX history_pkey RENAME TO history_19_pkey",
        "ALTER INDEX history_instance_id_seq_key RENAME TO history_19_instance_id_seq_key",
    ]
    return [
        "ALTER TABLE history RENAME TO history_19",
        *(renames if pg else []),
        f"CREATE TABLE history (id {types[0]} PRIMARY KEY, instance_id text NOT NULL, "
        f"seq integer NOT NULL, ts {types[1]} NOT NULL, kind text NOT NULL, element_id text, "
        "element_instance_id text, actor text, command text, "
        f"data {types[2]} NOT NULL, hash {types[-1]} NOT NULL, UNIQUE (instance_id, seq))",
        "INSERT INTO history (id, instance_id, seq, ts, kind, element_id, element_instance_id, "
        "actor, command, data, hash) SELECT row_number() OVER (ORDER BY id), instance_id, seq, "
        "ts, kind, element_id, element_instance_id, actor, command, data, hash "
        "FROM history_events",
        "DROP VIEW history_events",
        "DROP TABLE history_19",
        "CREATE INDEX history_elements ON history (instance_id, kind, element_id) "
        "WHERE element_id IS NOT NULL",
    ]
