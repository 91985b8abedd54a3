"""SQLite's variants, directly-follows graph and miner's log are folded in Python over the
steps streamed in table order; PostgreSQL computes them in SQL. The same log gives the same
reports on both, and the SQLite stream of the history sorts nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from insightkit import History, Place, generate_log, pg_schema_url, write_generated_xes

from regista.insight import Scope, directly_follows, import_log, variants
from regista.insight.database import SqlDialect
from regista.insight.mining import event_log
from regista.insight.paths import _sql_follows
from regista.insight.scope import CASE_ORDER, source_sql
from regista.store.sql.sqlite import path_from_url

pytest_plugins = ["insightfixtures"]

NOW = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)


def _reports(place: Place, xes: Path) -> tuple[Any, ...]:
    with place.open() as db:
        import_log(db, xes, now=NOW)
        scope = Scope(log="generated")
        return (
            variants(db, scope, limit=1000).rows,
            variants(db, scope, limit=1000).extra,
            directly_follows(db, scope).rows,
            event_log(db, scope),
        )


def test_the_sqlite_folds_give_what_postgresql_computes(pg_database: str, tmp_path: Path) -> None:
    xes = tmp_path / "generated.xes"
    write_generated_xes(generate_log(3_000, seed=23), xes)
    on_sqlite = _reports(Place("sqlite", f"sqlite:///{tmp_path / 'r.db'}"), xes)
    on_postgres = _reports(Place("postgres", pg_schema_url(pg_database)), xes)
    assert on_sqlite[0] and on_sqlite[2]
    assert on_sqlite == on_postgres


def test_the_folded_graph_is_the_one_the_windows_give(claims: tuple[Place, History]) -> None:
    place, _ = claims
    scope = Scope(definition="claim")
    with place.open() as db:
        dfg = directly_follows(db, scope)
        sql, params = source_sql(db.dialect, scope)
        windowed = _sql_follows(db, sql, params)
    assert {(r["source"], r["target"]): r["count"] for r in dfg.rows} == {
        key: edge.count for key, edge in windowed.items()
    }


def test_the_sqlite_stream_of_a_process_reads_the_table_in_order(
    claims: tuple[Place, History],
) -> None:
    place, _ = claims
    if place.kind != "sqlite":
        return
    sql, params = source_sql(SqlDialect("sqlite"), Scope(definition="claim"))
    conn = sqlite3.connect(path_from_url(place.url))
    try:
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN {sql} SELECT case_id, activity FROM step_rows {CASE_ORDER}",
            params,
        ).fetchall()
    finally:
        conn.close()
    details = [str(row[-1]) for row in plan]
    assert any(d.startswith("SEARCH s USING PRIMARY KEY") for d in details), details
    assert not any("TEMP B-TREE" in d for d in details), details
