"""Value helpers every store shares: aware timestamps, JSON text for columns, digests and ids."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from regista.store.jsontext import json_encoder

__all__ = ["aware", "dumps", "new_id", "sha256_text", "utc", "utc_opt"]


def aware(ts: datetime, what: str = "timestamp") -> datetime:
    """Reject naive datetimes: the store keeps UTC and cannot guess a zone."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {ts.isoformat()}")
    return ts


_DUMPS = json_encoder(sort_keys=False)


def dumps(value: Any, what: str) -> str:
    """JSON text for a column; values must already be JSON-safe."""
    try:
        return _DUMPS(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} must be JSON-safe (str, int, float, bool, None, list, dict): {exc}"
        ) from None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


def utc(ts: datetime, what: str = "timestamp") -> datetime:
    """An aware timestamp in UTC (a naive one is refused, see `aware`)."""
    return aware(ts, what).astimezone(UTC)


def utc_opt(ts: datetime | None) -> datetime | None:
    return None if ts is None else utc(ts)
