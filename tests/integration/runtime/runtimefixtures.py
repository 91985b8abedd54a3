"""Fixtures of the durable runtime suite: every test runs on SQLite and on PostgreSQL.

A plugin rather than a conftest.py (test modules name it in `pytest_plugins`), so that mypy
does not meet two top-level modules named `conftest` in this and the store suite.

PostgreSQL: the server at $REGISTA_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test). Each test session creates a database of its own
and drops it at the end; tests share one migrated schema, emptied before each test (the
crash test makes its own). When the server is unreachable the PostgreSQL cases are skipped
— except with CI=true, where they fail, so CI can never pass without having run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from runtimekit import PG_ADMIN_URL, TABLES, Database, pg_schema_url, uid, with_database


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
    name = uid("regista_rt_")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(PG_ADMIN_URL, name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
