"""The steps of a unit of work: its history events folded into one change per element
instance, for the `steps` table that process intelligence reads (schema 15).

An element instance activated in this unit of work is a new row (with whatever else
happened to it here folded in); one activated before gets an update of its start, end
and BPMN error. The first start (a worker locked the job, a person claimed or was given
the task) stays; the last end wins. Times are epoch seconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regista.store.sql.historyrows import Link
from regista.store.sql.session import SqlSession

__all__ = ["StepChange", "fold_steps", "insert_rows", "update_rows", "write_steps"]

_STARTS = frozenset(("job_locked", "user_task_claimed", "user_task_assigned"))
_ENDS = {"element_completed": "completed", "element_terminated": "terminated"}


@dataclass(slots=True)
class StepChange:
    """What the events of one unit of work say about one element instance."""

    element_instance_id: str
    element_id: str | None = None
    element_type: str | None = None
    flow: str | None = None
    ord: int | None = None
    """The seq of its activation when it was activated in this unit of work."""
    scheduled: float | None = None
    started: float | None = None
    worker: str | None = None
    ended: float | None = None
    state: str | None = None
    resource: str | None = None
    error_code: str | None = None


def fold_steps(links: Sequence[Link]) -> tuple[list[StepChange], list[StepChange]]:
    """(new steps, changes to steps activated before), each in the order first met."""
    found: dict[str, StepChange] = {}
    for link in links:
        event = link.event
        kind = event.kind
        eid = event.element_instance_id
        if eid is None:
            continue
        if kind == "element_activated":
            change = found.setdefault(eid, StepChange(eid, event.element_id))
            data = event.data
            change.element_type = _text(data.get("type"))
            change.flow = _text(data.get("flow"))
            change.ord = link.seq
            change.scheduled = link.ts.timestamp()
        elif kind in _STARTS:
            change = found.setdefault(eid, StepChange(eid, event.element_id))
            if change.started is None:
                change.started = link.ts.timestamp()
                change.worker = event.actor
        elif kind in _ENDS:
            change = found.setdefault(eid, StepChange(eid, event.element_id))
            change.ended = link.ts.timestamp()
            change.state = _ENDS[kind]
            change.resource = event.actor
        elif kind == "job_completed" and event.command == "ThrowError":
            change = found.setdefault(eid, StepChange(eid, event.element_id))
            # an error recorded without its code still counts as a BPMN error
            change.error_code = _text(event.data.get("error_code")) or ""
    new = [c for c in found.values() if c.ord is not None and c.element_id is not None]
    old = [c for c in found.values() if c.ord is None]
    return new, old


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def insert_rows(instance_id: str | None, changes: Sequence[StepChange]) -> list[list[Any]]:
    """Rows of `steps_insert` (with the instance first: SQLite) or of the JSON array of
    `steps_insert_rows` (without: PostgreSQL)."""
    head = [] if instance_id is None else [instance_id]
    return [
        [
            *head,
            c.element_instance_id,
            c.element_id,
            c.element_type,
            c.flow,
            c.ord,
            c.scheduled,
            c.started,
            c.ended,
            c.state or "active",
            c.worker,
            c.resource,
            c.error_code,
        ]
        for c in changes
    ]


def update_rows(instance_id: str | None, changes: Sequence[StepChange]) -> list[list[Any]]:
    """Rows of `steps_update` (SQLite: the instance first, the element last, the way to
    the row) or of the JSON array of `steps_update_rows` (PostgreSQL)."""
    head = [] if instance_id is None else [instance_id]
    sqlite = instance_id is not None
    return [
        [
            *head,
            c.element_instance_id,
            c.started,
            c.worker,
            c.ended,
            c.state,
            c.resource,
            c.error_code,
            *([c.element_id] if sqlite else []),
        ]
        for c in changes
    ]


def json_array(rows: list[list[Any]]) -> str:
    """Rows as one JSON array (a parameter of the PostgreSQL statements)."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def write_steps(session: SqlSession, instance_id: str, links: Sequence[Link]) -> None:
    """Queue the step rows of `links` (just appended to the instance's history) in the
    same transaction: one statement for the new steps, one for the others."""
    new, old = fold_steps(links)
    if session.dialect.history_as_json:
        if new:
            session.write(
                "steps_insert_rows",
                instance_id=instance_id,
                rows=json_array(insert_rows(None, new)),
            )
        if old:
            session.write(
                "steps_update_rows",
                instance_id=instance_id,
                rows=json_array(update_rows(None, old)),
            )
        return
    if new:
        session.write_many("steps_insert", insert_rows(instance_id, new))
    if old:
        session.write_many("steps_update", update_rows(instance_id, old))
