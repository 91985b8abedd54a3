"""The `steps` table process intelligence reads: kept by the store as it appends the
history, equal to what the migration that made it computes from the history alone, moved
with an instance migrated to another definition, and removed with a pruned instance."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import psycopg
from insightkit import History, Place, make_history

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight import Scope, elements
from regista.runtime.clock import FakeClock
from regista.store import open_store
from regista.store.sql import sqlfiles
from regista.store.sql.sqlite import path_from_url
from testkit import history_before_19

pytest_plugins = ["insightfixtures"]

COLUMNS = (
    "instance_id, element_instance_id, definition_id, process_id, version, case_start, "
    "element_id, element_type, flow, ord, rep, scheduled, started, ended, state, worker, "
    "resource, error_code"
)
NINE = datetime(2030, 1, 1, 9, tzinfo=UTC).timestamp()
HOUR = 3600.0


def _steps(place: Place) -> list[dict[str, Any]]:
    with place.open() as db:
        return db.all(f"SELECT {COLUMNS} FROM steps ORDER BY instance_id, element_instance_id")


def _execute(place: Place, *statements: str) -> None:
    if place.kind == "sqlite":
        conn = sqlite3.connect(path_from_url(place.url), isolation_level=None)
        try:
            for statement in statements:
                conn.execute(statement)
        finally:
            conn.close()
        return
    with psycopg.connect(place.url, autocommit=True) as pg:
        for statement in statements:
            pg.execute(statement.encode())


def test_each_element_instance_is_one_row(claims: tuple[Place, History]) -> None:
    place, history = claims
    rows = _steps(place)
    by = {(r["instance_id"], r["element_id"]): r for r in rows}
    ids = history.ids
    # five cases: s and check each; ok in three, approve and done in two, the others once
    assert len(rows) == 5 + 5 + 3 + 2 + 2 + 1 + 1 + 1
    approve = by[ids["i1"], "approve"]
    assert (approve["element_type"], approve["state"]) == ("userTask", "completed")
    assert approve["flow"] is not None
    assert approve["scheduled"] == NINE and approve["case_start"] == NINE
    assert (approve["started"], approve["ended"]) == (NINE + HOUR, NINE + 3 * HOUR)
    assert (approve["worker"], approve["resource"], approve["rep"]) == ("ann", "ann", 1)
    # the gateway was passed through: no start, ended when it was reached
    ok = by[ids["i3"], "ok"]
    assert (ok["started"], ok["ended"], ok["state"]) == (None, NINE, "completed")
    # i4's check threw BAD; i5's has an incident and runs still
    assert by[ids["i4"], "check"]["error_code"] == "BAD"
    running = by[ids["i5"], "check"]
    assert (running["state"], running["ended"], running["error_code"]) == ("active", None, None)
    assert running["worker"] == "node-test"
    assert {r["process_id"] for r in rows} == {"claim"}
    assert all(r["version"] == 1 for r in rows)
    # ord follows the history: s before check before the rest in every case
    for key in ids.values():
        mine = sorted((r for r in rows if r["instance_id"] == key), key=lambda r: r["ord"])
        assert [r["element_id"] for r in mine][:2] == ["s", "check"]


def test_the_migration_computes_the_same_rows_from_the_history(place: Place) -> None:
    make_history(place)
    kept = _steps(place)
    assert len(kept) == 20
    dialect: sqlfiles.SqlDialect = "sqlite" if place.kind == "sqlite" else "postgres"
    (migration,) = [m for m in sqlfiles.migrations(dialect) if m.name == "steps"]
    # back to the schema before the table: the store migrates again when it opens (the
    # migrations after it create what they make only if it is missing; schema 18 drops the
    # history's prev_hash, which SQLite cannot do "if it exists")
    _execute(
        place,
        "DROP TABLE steps",
        *history_before_19(place.kind),  # schema 19: one history row per command
        "ALTER TABLE history ADD COLUMN prev_hash text",
        f"DELETE FROM schema_version WHERE version >= {migration.version}",
    )
    open_store(place.settings()).close()
    assert _steps(place) == kept


def test_pruned_instances_take_their_steps_along(place: Place) -> None:
    history = make_history(place)
    store = open_store(place.settings())
    try:
        with store.transaction() as tx:
            pruned = tx.prune(ended_before=datetime(2031, 1, 1, tzinfo=UTC), limit=100)
    finally:
        store.close()
    assert pruned.instances == 4
    rows = _steps(place)
    assert {r["instance_id"] for r in rows} == {history.ids["i5"]}
    with place.open() as db:
        report = elements(db, Scope(definition="claim"))
    assert report.row(activity="check")["count"] == 1


def test_a_migrated_instance_takes_its_steps_along(place: Place) -> None:
    clock = FakeClock("2030-01-01T09:00:00Z")
    store = open_store(place.settings())
    try:
        with Client(store, clock=clock) as client:
            (first,) = client.deploy(ProcessBuilder("m").start("s").user_task("t").end("e"))
            key = client.start("m", {})
            (second,) = client.deploy(
                ProcessBuilder("m").start("s").user_task("t", name="Changed").end("e")
            )
            assert client.migrate(key) == 2
    finally:
        store.close()
    rows = _steps(place)
    assert [r["element_id"] for r in rows] == ["s", "t"]
    assert {(r["definition_id"], r["version"]) for r in rows} == {(second.definition_id, 2)}
    assert first.definition_id != second.definition_id
    with place.open() as db:
        report = elements(db, Scope(definition="m", version=2))
    assert report.row(activity="t")["count"] == 1
