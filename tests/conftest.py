"""Fixtures and settings every suite shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from testkit import create_database

# Property tests: no deadline and no complaint about slow data generation, since the
# machine may be loaded — a loaded machine must not fail a correct test. Each test keeps
# its `max_examples` modest so that the suite stays fast.
settings.register_profile(
    "regista", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("regista")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a PostgreSQL database private to this test session, dropped at the end
    (skipped when no server is reachable, failed under CI=true; see `testkit`)."""
    yield from create_database()
