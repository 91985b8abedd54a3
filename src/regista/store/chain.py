"""The history hash chain: SHA-256 over an event's content and the previous event's hash.

The hash input is a canonical JSON text, so the same event hashes the same whether it was
read back from SQLite, PostgreSQL (jsonb) or memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from regista.store.records import BrokenLink, HistoryEvent


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, no NaN; -0.0 becomes 0.0 (PostgreSQL numerics lose the sign)."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        if "-0.0" not in text and "-0e" not in text:  # the common case: nothing to normalise
            return text
        return json.dumps(
            _normalise(value),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"history data must be JSON-safe (str, int, float, bool, None, list, dict): {exc}"
        ) from None


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return 0.0 if value == 0 else value
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def ts_text(ts: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds."""
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    instance_id: str,
    seq: int,
    ts: datetime,
    kind: str,
    element_id: str | None,
    element_instance_id: str | None,
    actor: str | None,
    command: str | None,
    data: Mapping[str, Any],
    prev_hash: str | None,
) -> str:
    """SHA-256 (hex) of the previous hash and the canonical content of one event."""
    content = canonical_json(
        [
            instance_id,
            seq,
            ts_text(ts),
            kind,
            element_id,
            element_instance_id,
            actor,
            command,
            data,
        ]
    )
    return hashlib.sha256(f"{prev_hash or ''}\n{content}".encode()).hexdigest()


def check_chain(events: Iterable[HistoryEvent]) -> BrokenLink | None:
    """The first broken link in events of ONE instance ordered by seq, or None."""
    prev: HistoryEvent | None = None
    for event in events:
        expected_seq = 1 if prev is None else prev.seq + 1
        if event.seq != expected_seq:
            return BrokenLink(
                event.instance_id,
                event.seq,
                event.id,
                f"sequence gap: expected event #{expected_seq} (deleted or reordered events)",
            )
        expected_prev = None if prev is None else prev.hash
        if event.prev_hash != expected_prev:
            return BrokenLink(
                event.instance_id,
                event.seq,
                event.id,
                "previous-hash does not match the hash of the event before it",
            )
        actual = event_hash(
            instance_id=event.instance_id,
            seq=event.seq,
            ts=event.ts,
            kind=event.kind,
            element_id=event.element_id,
            element_instance_id=event.element_instance_id,
            actor=event.actor,
            command=event.command,
            data=event.data,
            prev_hash=event.prev_hash,
        )
        if actual != event.hash:
            return BrokenLink(
                event.instance_id,
                event.seq,
                event.id,
                "content does not match its hash (the event was altered)",
            )
        prev = event
    return None
