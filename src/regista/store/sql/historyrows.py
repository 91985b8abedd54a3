"""The history events of a unit of work as rows: numbered after the head of their
instance's chain, grouped into rows (`chain.history_rows`: one command's events), hashed
(`regista.store.chain`), and encoded once.

A row (schema 19) keeps what its events share — instance, time, actor, command — once, its
events as one compact JSON array of `[kind, element_id, element_instance_id, data]`, the
seq of its last event and one hash. The event texts that are hashed serve the insert as
well, so nothing is encoded twice. The events of row `id` are numbered `id * ROW_LIMIT + i`
(`history_events`, the view that reads rows as events).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regista.store.chain import (
    ROW_LIMIT,
    canonical_json,
    content_hash,
    event_field,
    history_rows,
    row_content,
    ts_text,
)
from regista.store.records import HistoryEvent, NewEvent
from regista.store.sql.base import hash_in
from regista.store.values import aware

__all__ = ["HistoryRow", "Link", "event_ids", "json_rows", "link_events", "tuple_rows"]

_json_text: Callable[[str | None], str] = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(slots=True)
class Link:
    """An event numbered and hashed into its instance's chain (with the other events of its
    row), ready to insert."""

    event: NewEvent
    seq: int
    ts: datetime
    ts_column: Any
    data: str
    """The canonical JSON text of the event's data (hashed, and stored as it is)."""
    prev: str | None
    """The hash of the row before this event's row."""
    hash: str
    """The hash of this event's row."""

    def stored(self, instance_id: str, event_id: int) -> HistoryEvent:
        event = self.event
        return HistoryEvent(
            id=event_id,
            instance_id=instance_id,
            seq=self.seq,
            ts=self.ts,
            kind=event.kind,
            element_id=event.element_id,
            element_instance_id=event.element_instance_id,
            actor=event.actor,
            command=event.command,
            data=event.data,
            prev_hash=self.prev,
            hash=self.hash,
        )


@dataclass(slots=True)
class HistoryRow:
    """One history row: consecutive events of one time, actor and command."""

    seq: int
    """The seq of its last event (its key with the instance)."""
    size: int
    ts_text: str
    """The time as JSON text (as hashed)."""
    ts_column: Any
    actor: str
    """The actor as JSON text."""
    command: str
    """The command as JSON text."""
    events: str
    """The JSON array of its events: `[kind, element_id, element_instance_id, data]` each."""
    hash: str


def link_events(
    instance_id: str,
    head: tuple[int, str | None],
    events: Sequence[NewEvent],
    ts_column: Callable[[datetime], Any],
) -> tuple[list[Link], list[HistoryRow]]:
    """Number and hash `events` after `head` (the seq and hash of the chain's last row);
    `ts_column` gives the time as the dialect stores it."""
    seq, prev = head
    stamps: dict[datetime, tuple[datetime, str, Any]] = {}
    # the fields repeat (one instance, one time, a few kinds and elements): each is encoded
    # once, and the content is built as `chain.event_content` builds it
    encoded: dict[str, str] = {}

    def enc(value: str | None) -> str:
        if type(value) is not str:
            return event_field(value)
        text = encoded.get(value)
        if text is None:
            text = encoded[value] = event_field(value)
        return text

    head_text = f"[{enc(instance_id)},"
    links: list[Link] = []
    rows: list[HistoryRow] = []
    for bounds in history_rows(events):
        first = events[bounds.start]
        stamp = stamps.get(first.ts)
        if stamp is None:
            ts = aware(first.ts, "history event time").astimezone(UTC)
            stamp = stamps[first.ts] = (ts, enc(ts_text(ts)), ts_column(ts))
        actor, command = enc(first.actor), enc(first.command)
        shared = f"{actor},{command},"
        contents: list[str] = []
        pieces: list[str] = []
        start = len(links)
        for event in events[bounds.start : bounds.stop]:
            seq += 1
            data = canonical_json(event.data)
            fields = f"{enc(event.kind)},{enc(event.element_id)},{enc(event.element_instance_id)},"
            contents.append(f"{head_text}{seq},{stamp[1]},{fields}{shared}{data}]")
            pieces.append(f"[{fields}{data}]")
            links.append(Link(event, seq, stamp[0], stamp[2], data, prev, ""))
        digest = content_hash(prev, row_content(contents))
        for link in links[start:]:
            link.hash = digest
        events_text = f"[{','.join(pieces)}]"
        rows.append(
            HistoryRow(seq, len(pieces), stamp[1], stamp[2], actor, command, events_text, digest)
        )
        prev = digest
    return links, rows


def event_ids(found: Sequence[Any]) -> dict[int, int]:
    """The ids of the events of inserted rows by seq, from their (id, seq, size)."""
    ids: dict[int, int] = {}
    for r in found:
        base, last, size = int(r["id"]) * ROW_LIMIT, int(r["seq"]), int(r["size"])
        for i in range(size):
            ids[last - size + 1 + i] = base + i
    return ids


def json_rows(instance_id: str, rows: Sequence[HistoryRow]) -> str:
    """The rows as one JSON array of arrays — `[instance_id, seq, ts, actor, command,
    events, hash]` (`history_add_rows`, which keeps the hash's bytes)."""
    iid = event_field(instance_id)
    parts = ",".join(
        f"[{iid},{r.seq},{r.ts_text},{r.actor},{r.command},{r.events},{_json_text(r.hash)}]"
        for r in rows
    )
    return f"[{parts}]"


def tuple_rows(
    instance_id: str, links: Sequence[Link], rows: Sequence[HistoryRow]
) -> list[tuple[Any, ...]]:
    """The rows as parameter tuples in the column order of `history_add`."""
    out: list[tuple[Any, ...]] = []
    at = 0
    for row in rows:
        event = links[at].event
        at += row.size
        out.append(
            (
                instance_id,
                row.seq,
                row.ts_column,
                event.actor,
                event.command,
                row.events,
                hash_in(row.hash),
            )
        )
    return out
