"""Event log files written as the traces stream: XES (IEEE 1849-2016), CSV and OCEL 2.0
JSON (OCEL 2.0 SQLite: `regista.insight.ocel_sqlite`). Only one trace is in memory at a
time (OCEL's objects are spooled to a temporary file while the events are written)."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO
from xml.sax.saxutils import quoteattr

from regista.insight.eventlog import Trace

__all__ = ["CSV_COLUMNS", "FORMATS", "write_csv", "write_log", "write_ocel", "write_xes"]

FORMATS = ("xes", "csv", "ocel-json", "ocel-sqlite")
"""The event log formats; `ocel-sqlite` is a database, written by
`regista.insight.ocel_sqlite.write_log_file` (the others are text, `write_log`)."""

XES_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)

CSV_COLUMNS = (
    "case_id",
    "activity",
    "element_id",
    "element_type",
    "lifecycle",
    "timestamp",
    "resource",
    "process_id",
    "version",
    "definition_id",
)


def iso(value: datetime) -> str:
    """xs:dateTime with milliseconds and an explicit UTC offset."""
    return value.isoformat(timespec="milliseconds")


def _attr(tag: str, key: str, value: Any) -> str:
    return f"<{tag} key={quoteattr(key)} value={quoteattr(str(value))}/>"


def xes_typed(value: Any) -> tuple[str, str]:
    """An XES attribute type and value text for a variable's value (JSON for lists and
    contexts)."""
    if isinstance(value, bool):
        return "boolean", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, float | Decimal):
        return "float", str(value)
    if isinstance(value, datetime):
        return "date", iso(value)
    if isinstance(value, str):
        return "string", value
    return "string", json.dumps(value, default=str, sort_keys=True)


def write_xes(traces: Iterable[Trace], out: TextIO, *, name: str) -> int:
    """Write an XES log; returns the number of events written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">\n'
    )
    for ext_name, prefix, uri in XES_EXTENSIONS:
        out.write(f"  <extension name={quoteattr(ext_name)} prefix={quoteattr(prefix)} ")
        out.write(f"uri={quoteattr(uri)}/>\n")
    out.write('  <global scope="trace">\n    ')
    out.write(_attr("string", "concept:name", "__INVALID__") + "\n  </global>\n")
    out.write('  <global scope="event">\n    ')
    out.write(_attr("string", "concept:name", "__INVALID__") + "\n    ")
    out.write(_attr("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00") + "\n    ")
    out.write(_attr("string", "lifecycle:transition", "complete") + "\n  </global>\n")
    out.write('  <classifier name="Activity" keys="concept:name"/>\n')
    out.write(
        '  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>\n'
    )
    out.write("  " + _attr("string", "concept:name", name) + "\n")
    out.write("  " + _attr("string", "lifecycle:model", "standard") + "\n")
    count = 0
    for trace in traces:
        out.write("  <trace>\n    " + _attr("string", "concept:name", trace.case_id) + "\n")
        for key, value in (
            ("processId", trace.process_id),
            ("definitionId", trace.definition_id),
            ("businessKey", trace.business_key),
            ("status", trace.status),
        ):
            if value is not None:
                out.write("    " + _attr("string", key, value) + "\n")
        if trace.version is not None:
            out.write("    " + _attr("int", "processVersion", trace.version) + "\n")
        for key, value in sorted(trace.variables.items()):
            if key not in _TRACE_KEYS:
                out.write("    " + _attr(*_swap(key, xes_typed(value))) + "\n")
        for event in trace.events:
            out.write("    <event>\n      ")
            out.write(_attr("string", "concept:name", event.activity) + "\n      ")
            out.write(_attr("date", "time:timestamp", iso(event.time)) + "\n      ")
            out.write(_attr("string", "lifecycle:transition", event.lifecycle) + "\n")
            if event.resource is not None:
                out.write("      " + _attr("string", "org:resource", event.resource) + "\n")
            out.write("      " + _attr("string", "elementId", event.element_id) + "\n")
            if event.element_type is not None:
                out.write("      " + _attr("string", "elementType", event.element_type) + "\n")
            out.write("    </event>\n")
            count += 1
        out.write("  </trace>\n")
    out.write("</log>\n")
    return count


_TRACE_KEYS = {"concept:name", "processId", "definitionId", "businessKey", "status"}
_TRACE_KEYS |= {"processVersion"}


def _swap(key: str, typed: tuple[str, str]) -> tuple[str, str, str]:
    return typed[0], key, typed[1]


def write_csv(traces: Iterable[Trace], out: TextIO) -> int:
    """Write one row per event under a header (`CSV_COLUMNS`); returns the rows written.
    Variables, one set per case, have no place in rows of events and are not written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for trace in traces:
        for event in trace.events:
            writer.writerow(
                (
                    trace.case_id,
                    event.activity,
                    event.element_id,
                    event.element_type or "",
                    event.lifecycle,
                    iso(event.time),
                    event.resource or "",
                    trace.process_id or "",
                    "" if trace.version is None else trace.version,
                    trace.definition_id or "",
                )
            )
            count += 1
    return count


def write_ocel(traces: Iterable[Trace], out: TextIO) -> int:
    """Write an OCEL 2.0 JSON log: each case an object (of its process's type), each event
    related to its case; returns the number of events written."""
    event_types: set[str] = set()
    object_types: set[str] = set()
    count = 0
    out.write('{"events": [')
    with tempfile.TemporaryFile("w+", encoding="utf-8") as objects:
        for trace in traces:
            object_type = trace.process_id or "case"
            object_types.add(object_type)
            attributes = [
                {"name": key, "time": iso(trace.started) if trace.started else None, "value": v}
                for key, v in (
                    ("businessKey", trace.business_key),
                    ("status", trace.status),
                    ("processVersion", trace.version),
                )
                if v is not None
            ]
            attributes += [
                {
                    "name": key,
                    "time": iso(trace.started) if trace.started else None,
                    "value": xes_typed(value)[1],
                }
                for key, value in sorted(trace.variables.items())
            ]
            obj = {"id": trace.case_id, "type": object_type, "attributes": attributes}
            objects.write(("," if objects.tell() else "") + json.dumps(obj))
            for event in trace.events:
                event_types.add(event.activity)
                item = {
                    "id": f"{trace.case_id}:{event.step_id}:{event.lifecycle}",
                    "type": event.activity,
                    "time": iso(event.time),
                    "attributes": [
                        {"name": "lifecycle", "value": event.lifecycle},
                        {"name": "elementId", "value": event.element_id},
                    ]
                    + (
                        [{"name": "resource", "value": event.resource}]
                        if event.resource is not None
                        else []
                    ),
                    "relationships": [{"objectId": trace.case_id, "qualifier": "case"}],
                }
                out.write(("," if count else "") + "\n" + json.dumps(item))
                count += 1
        out.write('\n], "objects": [\n')
        objects.seek(0)
        shutil.copyfileobj(objects, out)
    out.write("\n],\n")
    types = [
        {
            "name": t,
            "attributes": [{"name": n, "type": "string"} for n in ("businessKey", "status")]
            + [{"name": "processVersion", "type": "integer"}],
        }
        for t in sorted(object_types)
    ]
    out.write('"objectTypes": ' + json.dumps(types) + ",\n")
    etypes = [
        {
            "name": t,
            "attributes": [
                {"name": n, "type": "string"} for n in ("lifecycle", "elementId", "resource")
            ],
        }
        for t in sorted(event_types)
    ]
    out.write('"eventTypes": ' + json.dumps(etypes) + "\n}\n")
    return count


def write_log(traces: Iterable[Trace], out: TextIO, *, fmt: str, name: str) -> int:
    """Write the traces in `fmt` (one of `FORMATS`); returns the number of events."""
    if fmt == "xes":
        return write_xes(traces, out, name=name)
    if fmt == "csv":
        return write_csv(traces, out)
    if fmt == "ocel-json":
        return write_ocel(traces, out)
    if fmt == "ocel-sqlite":
        raise ValueError("ocel-sqlite is a database, not text: write it with write_log_file")
    raise ValueError(f"unknown event log format {fmt!r}; use one of {', '.join(FORMATS)}")
