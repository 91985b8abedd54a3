"""Fixtures of the process-intelligence suite (a plugin the test modules name in
`pytest_plugins`): every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from insightkit import History, Place, make_history, pg_schema_url


def _place(request: pytest.FixtureRequest, kind: str, factory: pytest.TempPathFactory) -> Place:
    if kind == "sqlite":
        return Place("sqlite", f"sqlite:///{factory.mktemp('insight') / 'regista.db'}")
    return Place("postgres", pg_schema_url(request.getfixturevalue("pg_database")))


@pytest.fixture(params=["sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Place:
    """An empty database."""
    return _place(request, str(request.param), tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def claims(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Place, History]:
    """A database holding the five claims of `make_history` (read only: shared by the
    tests of a module)."""
    made = _place(request, str(request.param), tmp_path_factory)
    return made, make_history(made)
