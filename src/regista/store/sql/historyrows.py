"""The history events of a unit of work as rows: numbered after the head of their
instance's chain, hashed (`regista.store.chain`), and encoded once.

The canonical JSON text that is hashed serves the insert as well: its data part is the
`data` column, and on PostgreSQL the events go to the database as one JSON array of these
texts (plus the hashes), so nothing is encoded twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regista.store.chain import canonical_json, content_hash, event_field, ts_text
from regista.store.records import HistoryEvent, NewEvent
from regista.store.sql.base import hash_in
from regista.store.values import aware

__all__ = ["Link", "json_rows", "link_events", "tuple_rows"]

_json_text: Callable[[str | None], str] = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(slots=True)
class Link:
    """An event numbered and hashed into its instance's chain, ready to insert."""

    event: NewEvent
    seq: int
    ts: datetime
    ts_column: Any
    data: str
    """The canonical JSON text of the event's data (hashed, and stored as it is)."""
    content: str
    """The canonical JSON text hashed for the event (see `chain.event_content`)."""
    prev: str | None
    hash: str

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


def link_events(
    instance_id: str,
    head: tuple[int, str | None],
    events: Sequence[NewEvent],
    ts_column: Callable[[datetime], Any],
) -> list[Link]:
    """Number and hash `events` after `head` (the seq and hash of the chain's last event);
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
    for event in events:
        seq += 1
        stamp = stamps.get(event.ts)
        if stamp is None:
            ts = aware(event.ts, "history event time").astimezone(UTC)
            stamp = stamps[event.ts] = (ts, enc(ts_text(ts)), ts_column(ts))
        data = canonical_json(event.data)
        content = (
            f"{head_text}{seq},{stamp[1]},{enc(event.kind)},{enc(event.element_id)},"
            f"{enc(event.element_instance_id)},{enc(event.actor)},{enc(event.command)},"
            f"{data}]"
        )
        digest = content_hash(prev, content)
        links.append(Link(event, seq, stamp[0], stamp[2], data, content, prev, digest))
        prev = digest
    return links


def json_rows(links: Sequence[Link]) -> str:
    """The events as one JSON array of arrays: the hashed content, then the hash —
    `[instance_id, seq, ts, kind, element_id, element_instance_id, actor, command, data,
    hash]` (`history_add_rows`, which keeps the hash's bytes; the previous hash is the
    event before's, not stored)."""
    rows = ",".join(f"{link.content[:-1]},{_json_text(link.hash)}]" for link in links)
    return f"[{rows}]"


def tuple_rows(
    instance_id: str, links: Sequence[Link], json_column: Callable[[str], Any]
) -> list[tuple[Any, ...]]:
    """The events as parameter tuples in the column order of `history_add`."""
    return [
        (
            instance_id,
            link.seq,
            link.ts_column,
            link.event.kind,
            link.event.element_id,
            link.event.element_instance_id,
            link.event.actor,
            link.event.command,
            json_column(link.data),
            hash_in(link.hash),
        )
        for link in links
    ]
