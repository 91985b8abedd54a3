"""The history hash chain: SHA-256 over a row's content and the previous row's hash.

A row is the run of consecutive events one unit of work appends with the same time, actor
and command (`history_rows`): the SQL stores keep it as one database row (schema 19) and
every store hashes it as one link, so a row of one event hashes exactly as each event did
before. The hash input is a canonical JSON text, so the same events hash the same whether
they were read back from SQLite, PostgreSQL (jsonb) or memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from regista.store.jsontext import json_encoder
from regista.store.records import BrokenLink, HistoryEvent, HistoryHead, NewEvent

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


def row_content(contents: Sequence[str]) -> str:
    """The hashed content of a row of events from theirs (`event_content`): one event's
    alone, so one-event rows (all rows before schema 19) hash as before; several as a JSON
    array of them."""
    return contents[0] if len(contents) == 1 else f"[{','.join(contents)}]"


ROW_LIMIT = 4096
"""The most events one row holds (the SQL stores number a row's events from its id times
this, see `regista.store.sql.historyrows`)."""


def history_rows(events: Sequence[NewEvent], limit: int = ROW_LIMIT) -> list[range]:
    """Where `events` (one append) split into rows: runs of consecutive events with the same
    time, actor and command — one command's events, as a unit of work appends them — of at
    most `limit` events each."""
    rows: list[range] = []
    start = 0
    for i in range(1, len(events)):
        a, b = events[i - 1], events[i]
        if i - start >= limit or a.ts != b.ts or a.actor != b.actor or a.command != b.command:
            rows.append(range(start, i))
            start = i
    if events:
        rows.append(range(start, len(events)))
    return rows


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
    """The first broken link in events of ONE instance ordered by seq, or None. Consecutive
    events with the same hash (and previous hash) are one row, hashed together."""
    expected_seq = 1
    prev_hash: str | None = None
    row: list[HistoryEvent] = []
    for event in events:
        if row and event.hash == row[0].hash and event.prev_hash == row[0].prev_hash:
            row.append(event)
            continue
        if row:
            broken = _check_row(row, expected_seq, prev_hash)
            if broken is not None:
                return broken
            expected_seq, prev_hash = row[-1].seq + 1, row[0].hash
        row = [event]
    return _check_row(row, expected_seq, prev_hash) if row else None


def _check_row(
    row: list[HistoryEvent], expected_seq: int, prev_hash: str | None
) -> BrokenLink | None:
    """The first broken link of one row of events that should start at `expected_seq` and
    follow `prev_hash`."""
    for event in row:
        if event.seq != expected_seq:
            return BrokenLink(
                event.instance_id,
                event.seq,
                event.id,
                f"sequence gap: expected event #{expected_seq} (deleted or reordered events)",
            )
        expected_seq += 1
    first = row[0]
    if first.prev_hash != prev_hash:
        return BrokenLink(
            first.instance_id,
            first.seq,
            first.id,
            "previous-hash does not match the hash of the event before it",
        )
    contents = [
        event_content(
            instance_id=e.instance_id,
            seq=e.seq,
            ts=ts_text(e.ts),
            kind=e.kind,
            element_id=e.element_id,
            element_instance_id=e.element_instance_id,
            actor=e.actor,
            command=e.command,
            data=canonical_json(e.data),
        )
        for e in row
    ]
    if content_hash(prev_hash, row_content(contents)) != first.hash:
        which = "the event was" if len(row) == 1 else f"an event of #{first.seq}-#{row[-1].seq} was"
        return BrokenLink(
            first.instance_id,
            first.seq,
            first.id,
            f"content does not match its hash ({which} altered)",
        )
    return None


def check_head(
    instance_id: str, events: list[HistoryEvent], head: HistoryHead | None
) -> BrokenLink | None:
    """Whether the chain of one instance (verified, ordered by seq) ends where its recorded
    head says: a missing tail, all events gone, or events added outside Regista."""
    last = events[-1] if events else None
    if head is None:
        if last is None:
            return None
        return BrokenLink(
            instance_id,
            last.seq,
            last.id,
            f"the chain has {last.seq} events but no recorded head (the head row was "
            "deleted, or the database was not upgraded with `regista db upgrade`)",
        )
    if last is None:
        return BrokenLink(
            instance_id,
            head.seq,
            None,
            f"all {head.seq} events of the instance were deleted (its head records them)",
        )
    if last.seq < head.seq:
        gone = f"#{last.seq + 1}" if head.seq == last.seq + 1 else f"#{last.seq + 1}-#{head.seq}"
        return BrokenLink(
            instance_id,
            last.seq + 1,
            None,
            f"event {gone} deleted: the head records {head.seq} events, the chain has {last.seq}",
        )
    # A chain longer than its head was appended to after the head was read (heads are read
    # first); the event the head names must still be the one recorded.
    at = events[head.seq - 1]
    if at.seq != head.seq or at.hash != head.hash:
        return BrokenLink(
            instance_id,
            head.seq,
            at.id,
            f"event #{head.seq}'s hash differs from the recorded head (the chain was rewritten)",
        )
    return None


def check_anchored(
    instance_id: str, events: list[HistoryEvent], anchored: HistoryHead
) -> BrokenLink | None:
    """Whether the chain of one instance (verified) still holds, unchanged, the events an
    anchor recorded: the event at the anchored seq must carry the anchored hash, which
    (being chained) covers every event before it."""
    if not events:
        return BrokenLink(
            instance_id,
            anchored.seq,
            None,
            f"the instance's {anchored.seq} anchored events are gone (the instance was "
            "deleted, or pruned by retention after the anchor)",
        )
    if events[-1].seq < anchored.seq:
        return BrokenLink(
            instance_id,
            events[-1].seq + 1,
            None,
            f"events #{events[-1].seq + 1}-#{anchored.seq} were deleted since the anchor "
            f"(it records {anchored.seq} events, the chain has {events[-1].seq})",
        )
    at = events[anchored.seq - 1]
    if at.seq != anchored.seq or at.hash != anchored.hash:
        return BrokenLink(
            instance_id,
            anchored.seq,
            at.id,
            f"the chain was rewritten: event #{anchored.seq} no longer has the hash the "
            "anchor recorded",
        )
    return None


def audit_chains(
    chains: Iterable[tuple[str, list[HistoryEvent]]],
    heads: Mapping[str, HistoryHead],
    anchor: Mapping[str, HistoryHead] | None = None,
) -> Iterator[BrokenLink]:
    """Every problem of the history: `chains` are the events of each instance (each list
    ordered by seq, instances in any order), `heads` the recorded chain heads and `anchor`
    the heads of a signed checkpoint. Finds altered events, gaps, missing tails, instances
    whose events are all gone, and (with an anchor) anything changed since the anchor."""
    seen: set[str] = set()
    for instance_id, events in chains:
        seen.add(instance_id)
        broken = check_chain(events) or check_head(instance_id, events, heads.get(instance_id))
        if broken is not None:
            yield broken
            continue
        anchored = None if anchor is None else anchor.get(instance_id)
        if anchored is not None and (found := check_anchored(instance_id, events, anchored)):
            yield found
    for instance_id in sorted(heads.keys() - seen):
        if broken := check_head(instance_id, [], heads[instance_id]):
            yield broken
    if anchor is not None:
        for instance_id in sorted(anchor.keys() - seen - heads.keys()):
            if found := check_anchored(instance_id, [], anchor[instance_id]):
                yield found
