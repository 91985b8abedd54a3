"""The history as an OCEL 2.0 SQLite file, in the relational layout of the OCEL 2.0
specification (ocel-standard.org, "SQLite" format).

The tables: `event` and `object` (`ocel_id`, `ocel_type`), `event_object` (the event to
object relationships with a qualifier), `object_object` (object to object; empty here), and
`event_map_type` / `object_map_type`, which map each type name to the suffix of its own
table: `event_<Type>` (`ocel_id`, `ocel_time`, then the event attributes) and
`object_<Type>` (`ocel_id`, `ocel_time`, `ocel_changed_field`, then the object attributes).

What is written mirrors the OCEL 2.0 JSON export: each case is an object of its process's
type (its business key, status, version and, with `--variables`, its variables as
attributes, stamped at its start), each event of the case an event of its activity's type
related to that object with the qualifier `case`. The traces stream in: one case in memory
at a time; a new variable name becomes a new column of its object type's table.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from regista.insight.errors import InsightError
from regista.insight.eventlog import Trace
from regista.insight.export import iso, write_log, xes_typed

__all__ = ["EVENT_ATTRIBUTES", "write_log_file", "write_ocel_sqlite"]

EVENT_ATTRIBUTES = (("lifecycle", "TEXT"), ("elementId", "TEXT"), ("resource", "TEXT"))
"""The attributes of every event type, as in the JSON export."""

_OBJECT_ATTRIBUTES = (("businessKey", "TEXT"), ("status", "TEXT"), ("processVersion", "INTEGER"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# the specification's own tables: a type named "Object" must not become `event_object`
_TABLES = frozenset({"event_object", "object_object", "event_map_type", "object_map_type"})

_SCHEMA = """
CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT,
    PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT,
    PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));
CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_type(value: Any) -> str:
    """The OCEL 2.0 SQLite attribute type of a value (JSON text for lists and contexts)."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float | Decimal):
        return "REAL"
    if isinstance(value, datetime):
        return "TIMESTAMP"
    return "TEXT"


def sql_value(value: Any) -> Any:
    """A value as stored: booleans 1/0, timestamps ISO 8601, lists and contexts JSON."""
    if value is None or isinstance(value, bool | int | float):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Decimal):
        return float(value)
    return xes_typed(value)[1]


class _Types:
    """Type names and the suffixes of their tables: the name's letters and digits (the
    specification's `Create Order` -> `CreateOrder`), made unique with a number."""

    def __init__(self, conn: sqlite3.Connection, kind: str) -> None:
        self._conn = conn
        self._kind = kind
        self.tables: dict[str, str] = {}
        self.columns: dict[str, list[str]] = {}

    def table(self, name: str, fixed: tuple[str, ...]) -> str:
        """The table of a type, created (and mapped) the first time the type is seen."""
        found = self.tables.get(name)
        if found is not None:
            return found
        base = re.sub(r"[^0-9A-Za-z]", "", name) or self._kind
        suffix, n = base, 1
        taken = {t.lower() for t in self.tables.values()} | _TABLES
        while f"{self._kind}_{suffix}".lower() in taken:
            n += 1
            suffix = f"{base}{n}"
        table = f"{self._kind}_{suffix}"
        columns = ", ".join(f"{c} TEXT" for c in fixed)
        self._conn.execute(f"CREATE TABLE {_quote(table)} ({columns})")
        self._conn.execute(
            f"INSERT INTO {self._kind}_map_type (ocel_type, ocel_type_map) VALUES (?, ?)",
            (name, suffix),
        )
        self.tables[name] = table
        self.columns[name] = list(fixed)
        return table

    def ensure(self, name: str, column: str, kind: str) -> None:
        """Add an attribute column to a type's table the first time it is seen."""
        if column not in self.columns[name]:
            self._conn.execute(
                f"ALTER TABLE {_quote(self.tables[name])} ADD COLUMN {_quote(column)} {kind}"
            )
            self.columns[name].append(column)


def write_ocel_sqlite(traces: Iterable[Trace], path: Path) -> int:
    """Write the traces as a new OCEL 2.0 SQLite file at `path` (which must not exist);
    returns the number of events written."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            # a new file that the caller renames into place once complete: no journal
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("BEGIN")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            count = _write(conn, traces)
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise InsightError(f"cannot write the OCEL 2.0 SQLite file {path}: {exc}") from exc
    return count


def _write(conn: sqlite3.Connection, traces: Iterable[Trace]) -> int:
    events = _Types(conn, "event")
    objects = _Types(conn, "object")
    event_fixed = ("ocel_id", "ocel_time")
    object_fixed = ("ocel_id", "ocel_time", "ocel_changed_field")
    count = 0
    for trace in traces:
        object_type = trace.process_id or "case"
        table = objects.table(object_type, object_fixed)
        attributes: dict[str, Any] = {}
        for key, kind in _OBJECT_ATTRIBUTES:
            objects.ensure(object_type, key, kind)
        attributes["businessKey"] = trace.business_key
        attributes["status"] = trace.status
        attributes["processVersion"] = trace.version
        for key, value in sorted(trace.variables.items()):
            if key in attributes or key.lower().startswith("ocel_"):
                # the case's own attributes win over a variable of that name, and the
                # specification's ocel_ columns are not attributes
                continue
            objects.ensure(object_type, key, sql_type(value))
            attributes[key] = sql_value(value)
        conn.execute(
            "INSERT INTO object (ocel_id, ocel_type) VALUES (?, ?)", (trace.case_id, object_type)
        )
        names = ["ocel_id", "ocel_time", "ocel_changed_field", *attributes]
        conn.execute(
            f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))}) "
            f"VALUES ({', '.join('?' * len(names))})",
            (trace.case_id, iso(trace.started or _EPOCH), None, *attributes.values()),
        )
        rows: dict[str, list[tuple[Any, ...]]] = {}
        links = []
        for event in trace.events:
            event_id = f"{trace.case_id}:{event.step_id}:{event.lifecycle}"
            if event.activity not in events.tables:
                events.table(event.activity, event_fixed)
                for key, kind in EVENT_ATTRIBUTES:
                    events.ensure(event.activity, key, kind)
            rows.setdefault(event.activity, []).append(
                (event_id, iso(event.time), event.lifecycle, event.element_id, event.resource)
            )
            links.append((event_id, event.activity))
        conn.executemany("INSERT INTO event (ocel_id, ocel_type) VALUES (?, ?)", links)
        conn.executemany(
            "INSERT INTO event_object (ocel_event_id, ocel_object_id, ocel_qualifier) "
            "VALUES (?, ?, 'case')",
            [(event_id, trace.case_id) for event_id, _ in links],
        )
        for activity, found in rows.items():
            conn.executemany(
                f"INSERT INTO {_quote(events.tables[activity])} "
                "(ocel_id, ocel_time, lifecycle, elementId, resource) VALUES (?, ?, ?, ?, ?)",
                found,
            )
        count += len(links)
    return count


def write_log_file(traces: Iterable[Trace], path: Path, *, fmt: str, name: str) -> int:
    """Write the traces to a new file at `path` in `fmt` (one of `FORMATS`: the text
    formats through `write_log`, `ocel-sqlite` as a database); returns the events written."""
    if fmt == "ocel-sqlite":
        return write_ocel_sqlite(traces, path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        return write_log(traces, handle, fmt=fmt, name=name)
