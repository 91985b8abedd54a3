"""Fixtures of the store suite: every test runs against memory, SQLite and PostgreSQL.

PostgreSQL: the server at $REGISTA_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test). Each test session (each xdist worker) creates a
database of its own and drops it at the end. Tests that change the schema (`sql_backend`)
get a new schema each; the others share one migrated schema, emptied before each test. When
the server is unreachable the PostgreSQL cases are skipped — except with CI=true, where they
fail, so CI can never pass without having run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from storekit import (
    PG_ADMIN_URL,
    Backend,
    MemoryBackend,
    PostgresBackend,
    SqlBackend,
    SqliteBackend,
    uid,
)

from regista.store import Store


def _with_database(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database private to this test session; dropped at the end."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"PostgreSQL is unreachable at {PG_ADMIN_URL} ({exc})".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(f"{reason}; set REGISTA_TEST_POSTGRES_URL or start the server")
    name = uid("regista_test_")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(PG_ADMIN_URL, name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_shared_schema(pg_database: str) -> str:
    """A migrated schema that tests which leave the schema alone share (emptied for each),
    which saves migrating a new schema per test."""
    backend = PostgresBackend(pg_database)
    backend.open().close()
    return backend.schema


def _make(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, *, fresh: bool = False
) -> Backend:
    if kind == "memory":
        return MemoryBackend()
    if kind == "sqlite":
        return SqliteBackend(tmp_path / "regista.db")
    database = request.getfixturevalue("pg_database")
    if fresh:
        return PostgresBackend(database)
    return PostgresBackend(database, reuse_schema=request.getfixturevalue("pg_shared_schema"))


def _finish(backend: Backend) -> None:
    # PostgreSQL schemas go with the session's database; dropping each costs more than it saves
    backend.close_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = _make(request.param, request, tmp_path)
    yield made
    _finish(made)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlBackend]:
    made = _make(request.param, request, tmp_path, fresh=True)
    assert isinstance(made, SqlBackend)
    yield made
    _finish(made)


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()
