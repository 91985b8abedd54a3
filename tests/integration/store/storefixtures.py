"""Fixtures of the store suite: every test runs against memory, SQLite and PostgreSQL.

A plugin rather than a conftest.py (test modules name it in `pytest_plugins`), so that mypy
meets one top-level module named `conftest` only, the shared `tests/conftest.py`.

PostgreSQL: the session's database comes from the shared `pg_database` fixture
(`tests/conftest.py`: skipped when no server is reachable, failed under CI=true). Tests that
change the schema (`sql_backend`) get a new schema each; the others share one migrated
schema, emptied before each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storekit import (
    Backend,
    MemoryBackend,
    PostgresBackend,
    SqlBackend,
    SqliteBackend,
)

from regista.store import Store


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


@pytest.fixture
def sql_store_plans(sql_backend: SqlBackend) -> Store:
    """A SQL store of each kind, for the tests that read statement plans."""
    return sql_backend.open()
