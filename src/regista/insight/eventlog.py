"""The history as an event log: one trace per process instance, each element instance
giving its lifecycle events (schedule, start, complete or ate_abort).

Traces stream from one ordered query, one trace in memory at a time. A step gives a
`schedule` event when the token waited for work (a job not yet locked, a task not yet
claimed), a `start` when it took time, and a `complete` (or `ate_abort` when terminated)
once it ended; a step that began and ended at once gives its `complete` only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from regista.engine.codec import decode_value
from regista.feel.values import to_python
from regista.insight.database import EventDatabase
from regista.insight.models import ModelCache
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["LogEvent", "Trace", "count_steps", "traces"]


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One lifecycle event of one element instance."""

    activity: str
    """The element's name, else its id (the imported activity for a log)."""
    element_id: str
    element_type: str | None
    lifecycle: str
    time: datetime
    resource: str | None
    step_id: str


@dataclass(frozen=True, slots=True)
class Trace:
    """One case: its attributes and its events in time order."""

    case_id: str
    definition_id: str | None
    process_id: str | None
    version: int | None
    business_key: str | None
    status: str | None
    started: datetime | None
    events: list[LogEvent]
    variables: dict[str, Any] = field(default_factory=dict)
    """The last value of each variable of the instance's own scope (exported on request)."""


def _time(value: Any) -> datetime:
    # epoch arithmetic leaves noise below the microsecond; the stored times have none
    return datetime.fromtimestamp(round(float(value), 6), UTC)


def count_steps(db: EventDatabase, scope: Scope) -> int:
    """How many element instances the scope holds (for a progress bar)."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    return int(db.one(f"{sql} SELECT COUNT(*) AS n FROM step_rows", params)["n"])


def traces(
    db: EventDatabase,
    scope: Scope,
    *,
    progress: Callable[[int], None] | None = None,
    variables: bool = False,
) -> Iterator[Trace]:
    """The traces of the scope, ordered by case id; `progress` hears the number of steps
    of each trace as it is read. With `variables`, each trace carries the last value of
    every variable of its instance (a second stream over the history, merged by case)."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    order = db.dialect.by_code_point("s.case_id")
    query = f"""{sql} SELECT s.case_id, s.step_id, s.activity, s.element_type, s.scheduled,
        s.started, s.ended, s.lifecycle, s.resource, s.announced, s.definition_id,
        s.process_id, s.version, c.business_key, c.status, s.case_start
    FROM step_rows s JOIN cases c ON c.case_id = s.case_id ORDER BY {order}, s.ord"""
    models = ModelCache(db)
    values = _variables(db, scope) if variables and not scope.imported else None
    pending: tuple[str, dict[str, Any]] | None = None

    def finish(rows: list[dict[str, Any]]) -> Trace:
        nonlocal pending
        trace = _trace(rows, models)
        if progress is not None:
            progress(len(rows))
        if values is None:
            return trace
        # both streams are sorted by case id by code point, as Python compares strings
        while pending is None or pending[0] < trace.case_id:
            pending = next(values, None)
            if pending is None:
                return trace
        if pending[0] == trace.case_id:
            return replace(trace, variables=pending[1])
        return trace

    rows: list[dict[str, Any]] = []
    for row in db.stream(query, params):
        if rows and rows[0]["case_id"] != row["case_id"]:
            yield finish(rows)
            rows = []
        rows.append(row)
    if rows:
        yield finish(rows)


def _variables(db: EventDatabase, scope: Scope) -> Iterator[tuple[str, dict[str, Any]]]:
    """(instance id, {name: last value}) of the instance scopes, ordered like `traces`."""
    sql, params = source_sql(db.dialect, scope)
    order = db.dialect.by_code_point("h.instance_id")
    query = f"""{sql} SELECT h.instance_id AS case_id, h.data FROM history_events h
    JOIN cases c ON c.case_id = h.instance_id
    WHERE h.kind = 'variable_set' ORDER BY {order}, h.seq"""
    case_id: str | None = None
    found: dict[str, Any] = {}
    for row in db.stream(query, params):
        if case_id is not None and row["case_id"] != case_id:
            yield case_id, found
            found = {}
        case_id = str(row["case_id"])
        data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        if data.get("scope") not in (None, case_id) or "name" not in data:
            continue  # a variable of a subprocess or multi-instance scope
        found[str(data["name"])] = to_python(decode_value(data.get("new")))
    if case_id is not None:
        yield case_id, found


def _trace(rows: list[dict[str, Any]], models: ModelCache) -> Trace:
    first = rows[0]
    model = models.get(first["definition_id"])
    events: list[tuple[datetime, int, LogEvent]] = []
    for order, row in enumerate(rows):
        element_id = str(row["activity"])
        name = model.name(element_id) if model is not None else element_id

        def event(
            lifecycle: str,
            at: Any,
            row: dict[str, Any] = row,
            name: str = name,
            order: int = order,
        ) -> None:
            when = _time(at)
            step = str(row["step_id"])
            resource = row["resource"] if lifecycle != "schedule" else None
            item = LogEvent(
                name, str(row["activity"]), row["element_type"], lifecycle, when, resource, step
            )
            events.append((when, order, item))

        scheduled, started, ended = row["scheduled"], row["started"], row["ended"]
        if row["announced"] and scheduled is not None and scheduled < started:
            event("schedule", scheduled)
        if ended is None or started < ended:
            event("start", started)
        if ended is not None:
            event(str(row["lifecycle"] or "complete"), ended)
    events.sort(key=lambda e: (e[0], e[1]))
    version = first["version"]
    return Trace(
        case_id=str(first["case_id"]),
        definition_id=first["definition_id"],
        process_id=first["process_id"],
        version=None if version is None else int(version),
        business_key=first["business_key"],
        status=first["status"],
        started=None if first["case_start"] is None else _time(first["case_start"]),
        events=[e[2] for e in events],
    )
