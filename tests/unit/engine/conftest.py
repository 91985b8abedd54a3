"""Fixtures of the engine tests: every scenario runs plain and through JSON round trips."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[False, True], ids=["plain", "roundtrip"])
def roundtrip(request: pytest.FixtureRequest) -> bool:
    """Whether the harness sends the state through JSON before each command."""
    return bool(request.param)
