"""Fixtures of the API suite: every test runs on SQLite and on PostgreSQL (a plugin, named
in `pytest_plugins`, as the runtime suite's)."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest


def pg_schema_url(database_url: str) -> str:
    """A new empty schema in the session's database, as a URL whose search path is it."""
    schema = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database_url}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, private to the test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    return pg_schema_url(request.getfixturevalue("pg_database"))
