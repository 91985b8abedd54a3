"""The history hash chain: SHA-256 over an event's content and the previous event's hash.

The hash input is a canonical JSON text, so the same event hashes the same whether it was
read back from SQLite, PostgreSQL (jsonb) or memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from regista.store.jsontext import json_encoder
from regista.store.records import BrokenLink, HistoryEvent

# json's own string encoder (C), as json.dumps(ensure_ascii=False) uses it
_encode_text: Callable[[str], str] = json.encoder.encode_basestring

_CANONICAL = json_encoder(sort_keys=True)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, no NaN; -0.0 becomes 0.0 (PostgreSQL numerics lose the sign)."""
    if type(value) is dict and not value:
        return "{}"
    try:
        text = _CANONICAL(value)
        if "-0.0" not in text and "-0e" not in text:  # the common case: nothing to normalise
            return text
        return _CANONICAL(_normalise(value))
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


def event_field(value: Any) -> str:
    """One field of the hashed content as canonical JSON (text and None the fast way)."""
    kind = type(value)
    if kind is str:
        return _encode_text(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return canonical_json(value)


def event_content(
    *,
    instance_id: str,
    seq: int,
    ts: str,
    kind: str,
    element_id: str | None,
    element_instance_id: str | None,
    actor: str | None,
    command: str | None,
    data: str,
) -> str:
    """The canonical JSON text that is hashed for one event, from its parts: `ts` as
    `ts_text` gives it and `data` as `canonical_json` gives it. Equal to
    `canonical_json([instance_id, seq, ts, kind, element_id, element_instance_id, actor,
    command, data])`, built without encoding the data a second time (the stores keep the
    same data text in their column)."""
    return (
        f"[{event_field(instance_id)},{event_field(seq)},{event_field(ts)},{event_field(kind)},"
        f"{event_field(element_id)},{event_field(element_instance_id)},{event_field(actor)},"
        f"{event_field(command)},{data}]"
    )


def content_hash(prev_hash: str | None, content: str) -> str:
    """SHA-256 (hex) of the previous hash and an event's canonical content."""
    return hashlib.sha256(f"{prev_hash or ''}\n{content}".encode()).hexdigest()


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
    content = event_content(
        instance_id=instance_id,
        seq=seq,
        ts=ts_text(ts),
        kind=kind,
        element_id=element_id,
        element_instance_id=element_instance_id,
        actor=actor,
        command=command,
        data=canonical_json(data),
    )
    return content_hash(prev_hash, content)


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
