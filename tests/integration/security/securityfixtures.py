"""Fixtures of the security suite: a fresh database per test, on SQLite and PostgreSQL.

A plugin (named in `pytest_plugins`) rather than a conftest.py, like the runtime suite's.
PostgreSQL gets a new schema in the session's database (`pg_database`, tests/conftest.py).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'regista.db'}"
    base: str = request.getfixturevalue("pg_database")
    schema = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base}?options=-csearch_path%3D{schema}"
