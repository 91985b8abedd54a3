"""What the conformance test modules (`test_engine_conformance_*.py`) share."""

from __future__ import annotations

import datetime as dt

from .harness import Harness

HOUR = dt.timedelta(hours=1)


def activated(h: Harness, element_id: str) -> int:
    """How many times the element was activated in the instance."""
    return sum(
        1
        for e in h.history[h.state.id]
        if e.kind == "element_activated" and e.element_id == element_id
    )
