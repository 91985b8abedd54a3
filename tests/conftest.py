"""Fixtures every suite shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit import create_database


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a PostgreSQL database private to this test session, dropped at the end
    (skipped when no server is reachable, failed under CI=true; see `testkit`)."""
    yield from create_database()
