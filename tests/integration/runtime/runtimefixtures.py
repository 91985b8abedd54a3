"""Fixtures of the durable runtime suite: every test runs on SQLite and on PostgreSQL.

A plugin rather than a conftest.py (test modules name it in `pytest_plugins`), so that mypy
meets one top-level module named `conftest` only, the shared `tests/conftest.py`.

PostgreSQL: the session's database comes from the shared `pg_database` fixture
(`tests/conftest.py`: skipped when no server is reachable, failed under CI=true); tests
share one migrated schema in it, emptied before each test (the crash test makes its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from runtimekit import TABLES, Database, pg_schema_url


@pytest.fixture(scope="session")
def pg_shared_url(pg_database: str) -> str:
    """A migrated schema the tests share (emptied for each), which saves migrating a new
    schema per test."""
    url = pg_schema_url(pg_database)
    Database("postgres", url).open_store().close()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "regista.db"
        made = Database("sqlite", f"sqlite:///{path}", path=path)
    else:
        url = request.getfixturevalue("pg_shared_url")
        made = Database("postgres", url)
        made.execute("TRUNCATE " + ", ".join(TABLES))
    yield made
    made.close()
