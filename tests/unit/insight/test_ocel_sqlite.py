"""The OCEL 2.0 SQLite file (`write_ocel_sqlite`) read back with sqlite3: the tables and
columns of the specification, the type maps, and every event, object and relationship."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from regista.insight import InsightError
from regista.insight.eventlog import LogEvent, Trace
from regista.insight.ocel_sqlite import write_log_file, write_ocel_sqlite

T0 = datetime(2030, 1, 1, 9, tzinfo=UTC)


def _trace(case: str, activities: list[str], **variables: Any) -> Trace:
    events = []
    for n, activity in enumerate(activities):
        at = T0 + timedelta(minutes=10 * n)
        for lifecycle, when in (("start", at), ("complete", at + timedelta(minutes=5))):
            events.append(
                LogEvent(activity, f"el{n}", "task", lifecycle, when, "ann", f"{case}-{n}")
            )
    return Trace(case, "order:1", "order", 1, f"bk-{case}", "completed", T0, events, variables)


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return list(conn.execute(sql).fetchall())


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')]


def test_the_tables_of_the_specification_and_their_counts(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    traces = [
        _trace("c1", ["Create Order", "Create-Order", "Object"], amount=12, rush=True),
        _trace("c2", ["Create Order"], amount=3.5, note={"a": 1}, ocel_id="x", status="y"),
    ]
    assert write_ocel_sqlite(traces, path) == 8
    conn = sqlite3.connect(path)
    tables = {r[0] for r in _rows(conn, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {
        "event",
        "object",
        "event_object",
        "object_object",
        "event_map_type",
        "object_map_type",
        "event_CreateOrder",
        "event_CreateOrder2",
        "event_Object2",
        "object_order",
    }
    assert _columns(conn, "event") == ["ocel_id", "ocel_type"]
    assert _columns(conn, "object") == ["ocel_id", "ocel_type"]
    assert _columns(conn, "event_object") == ["ocel_event_id", "ocel_object_id", "ocel_qualifier"]
    assert _columns(conn, "object_object") == ["ocel_source_id", "ocel_target_id", "ocel_qualifier"]
    assert _columns(conn, "event_map_type") == ["ocel_type", "ocel_type_map"]
    # the type name's letters and digits; a second type mapping to the same gets a number
    assert dict(_rows(conn, "SELECT * FROM event_map_type")) == {
        "Create Order": "CreateOrder",
        "Create-Order": "CreateOrder2",
        "Object": "Object2",  # not the specification's event_object
    }
    assert _rows(conn, "SELECT * FROM object_map_type") == [("order", "order")]
    assert _columns(conn, "event_Object2") == [
        "ocel_id",
        "ocel_time",
        "lifecycle",
        "elementId",
        "resource",
    ]
    assert _rows(conn, "SELECT COUNT(*) FROM event") == [(8,)]
    assert _rows(conn, "SELECT ocel_type, COUNT(*) FROM event GROUP BY 1 ORDER BY 1") == [
        ("Create Order", 4),
        ("Create-Order", 2),
        ("Object", 2),
    ]
    # each event is in its type's table, at its time
    assert _rows(conn, "SELECT COUNT(*) FROM event_CreateOrder") == [(4,)]
    assert _rows(
        conn, "SELECT ocel_time, lifecycle FROM event_Object2 WHERE ocel_id = 'c1:c1-2:complete'"
    ) == [("2030-01-01T09:25:00.000+00:00", "complete")]
    assert _rows(
        conn,
        "SELECT COUNT(*) FROM event e JOIN event_object r ON r.ocel_event_id = e.ocel_id "
        "WHERE r.ocel_qualifier = 'case'",
    ) == [(8,)]
    assert _rows(conn, "SELECT ocel_object_id, COUNT(*) FROM event_object GROUP BY 1") == [
        ("c1", 6),
        ("c2", 2),
    ]
    assert _rows(conn, "SELECT COUNT(*) FROM object_object") == [(0,)]
    assert _rows(conn, "SELECT * FROM object ORDER BY 1") == [("c1", "order"), ("c2", "order")]
    # objects: one row each, stamped at the case's start; variables are columns of the type
    assert _columns(conn, "object_order")[:6] == [
        "ocel_id",
        "ocel_time",
        "ocel_changed_field",
        "businessKey",
        "status",
        "processVersion",
    ]
    found = conn.execute(
        "SELECT ocel_id, ocel_time, ocel_changed_field, businessKey, processVersion, amount, "
        "rush, note FROM object_order ORDER BY ocel_id"
    ).fetchall()
    assert found == [
        ("c1", "2030-01-01T09:00:00.000+00:00", None, "bk-c1", 1, 12, 1, None),
        ("c2", "2030-01-01T09:00:00.000+00:00", None, "bk-c2", 1, 3.5, None, '{"a": 1}'),
    ]
    # a variable named as a case attribute or an ocel_ column is left out
    assert _rows(conn, "SELECT DISTINCT status FROM object_order") == [("completed",)]
    types = {r[1]: r[2] for r in conn.execute('PRAGMA table_info("object_order")')}
    assert (types["amount"], types["rush"], types["note"]) == ("INTEGER", "BOOLEAN", "TEXT")
    conn.close()


def test_an_empty_history_is_an_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    assert write_log_file([], path, fmt="ocel-sqlite", name="x") == 0
    conn = sqlite3.connect(path)
    assert _rows(conn, "SELECT COUNT(*) FROM event") == [(0,)]
    assert _rows(conn, "SELECT COUNT(*) FROM event_map_type") == [(0,)]
    conn.close()


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    with pytest.raises(InsightError, match=r"cannot write the OCEL 2\.0 SQLite file"):
        write_ocel_sqlite([_trace("c1", ["A"])], tmp_path / "missing" / "log.sqlite")


def test_text_formats_go_through_write_log(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    assert write_log_file([_trace("c1", ["A", "B"])], path, fmt="csv", name="x") == 4
    assert path.read_text("utf-8").splitlines()[0].startswith("case_id,activity")
