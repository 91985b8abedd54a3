"""The figures of `durable_bench.py` that put the engine beside the hardware and a large
database: the raw single-row commit rate of the same database in the same run, store
round trips and CPU per instance, bytes of database per instance, and list-50 latency and
prune rate once the database holds many finished instances.

Many finished instances are made quickly: one real instance of the process is run through
the engine, then its rows (instance, history, jobs) are copied N times by the database
itself (`INSERT ... SELECT` over a series), with new ids and times. The copies' history
keeps the template's hashes, so `regista audit verify` would flag them: they are for
measuring, not for keeping.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from regista.client import Client
from regista.runtime.retention import Pace, prune
from regista.store import InstanceQuery, Store
from regista.store.sql.session import SqlSession

_SCRATCH = "CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, note TEXT)"


def sqlite_commit_rate(path: str, synchronous: str, n: int) -> float:
    """Single-row commits a second into a WAL file with the store's settings."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute(_SCRATCH)
        started = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_commits (note) VALUES (?)", (f"row {i}",))
            conn.execute("COMMIT")
        return n / (time.perf_counter() - started)
    finally:
        conn.close()


def postgres_commit_rate(url: str, n: int) -> float:
    """Single-row inserts a second from one client, each its own transaction (as pgbench's
    single-insert script)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_SCRATCH.replace("INTEGER PRIMARY KEY", "serial PRIMARY KEY"))
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO bench_commits (note) VALUES (%s)", (f"row {i}",))
        return n / (time.perf_counter() - started)


@contextmanager
def counted_exchanges() -> Iterator[list[int]]:
    """Count the exchanges with the database the SQL sessions make (one statement, or one
    pipeline of queued statements, or the commit): the round trips of the store."""
    seen = [0]
    original = SqlSession._send

    def counting(self: SqlSession, sql: str | None, params: Any = None) -> Any:
        seen[0] += 1
        return original(self, sql, params)

    SqlSession._send = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        SqlSession._send = original  # type: ignore[method-assign]


def database_bytes(store: Store) -> int:
    """Bytes the database takes (SQLite: pages in use; PostgreSQL: the schema's tables
    with their indexes and TOAST)."""
    raw: Any = store
    if store.dialect == "sqlite":
        with sqlite3.connect(raw.path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)
    with psycopg.connect(raw.url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema()"
        ).fetchone()
        return int(row[0]) if row else 0


# -- many finished instances --------------------------------------------------------------

_COPY_SQLITE = {
    "instances": """INSERT INTO instances (id, definition_id, process_id, business_key, status,
        state, version, parent_instance_id, parent_element_instance_id, idempotency_key,
        started_at, ended_at, updated_at)
    SELECT printf('b%s%09d', :tag, s.n), t.definition_id, t.process_id, NULL, t.status,
        t.state, t.version, NULL, NULL, NULL,
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 1000.0) || ' seconds'),
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 1000.0 + 1) || ' seconds'),
        t.updated_at
    FROM instances t, bench_series s WHERE t.id = :template""",
    "history": """INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
    SELECT printf('b%s%09d', :tag, s.n), h.seq, h.ts, h.actor, h.command, h.events, h.hash
    FROM history h, bench_series s WHERE h.instance_id = :template""",
    "jobs": """INSERT INTO jobs (id, instance_id, element_id, element_instance_id, type,
        retries, attempt, status, lease_owner, lease_until, due_at, variables, headers,
        error, created_at, completed_at)
    SELECT j.id || printf('-%s%09d', :tag, s.n), printf('b%s%09d', :tag, s.n), j.element_id,
        j.element_instance_id, j.type, j.retries, j.attempt, j.status, NULL, NULL, j.due_at,
        j.variables, j.headers, j.error, j.created_at, j.completed_at
    FROM jobs j, bench_series s WHERE j.instance_id = :template""",
    # the copies' element events join the running element totals, as the unit of work does
    "element_counts": """INSERT INTO element_counts (definition_id, element_id, shard,
        activated, completed, terminated)
    SELECT i.definition_id, h.element_id, 0,
        (SELECT count(*) FROM bench_series) * sum(h.kind = 'element_activated'),
        (SELECT count(*) FROM bench_series) * sum(h.kind = 'element_completed'),
        (SELECT count(*) FROM bench_series) * sum(h.kind = 'element_terminated')
    FROM history_events h JOIN instances i ON i.id = h.instance_id
    WHERE h.instance_id = :template AND h.element_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
    GROUP BY i.definition_id, h.element_id
    ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
        activated = activated + excluded.activated,
        completed = completed + excluded.completed,
        terminated = terminated + excluded.terminated""",
}

_COPY_POSTGRES = {
    "instances": """INSERT INTO instances (id, definition_id, process_id, business_key, status,
        state, version, parent_instance_id, parent_element_instance_id, idempotency_key,
        started_at, ended_at, updated_at)
    SELECT 'b' || %(tag)s || lpad(s.n::text, 9, '0'), t.definition_id, t.process_id, NULL,
        t.status, t.state, t.version, NULL, NULL, NULL,
        %(base)s::timestamptz + s.n * interval '1 millisecond',
        %(base)s::timestamptz + s.n * interval '1 millisecond' + interval '1 second',
        t.updated_at
    FROM instances t, generate_series(%(first)s::integer, %(last)s::integer) AS s(n)
    WHERE t.id = %(template)s""",
    "history": """INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
    SELECT 'b' || %(tag)s || lpad(s.n::text, 9, '0'), h.seq, h.ts, h.actor, h.command,
        h.events, h.hash
    FROM history h, generate_series(%(first)s::integer, %(last)s::integer) AS s(n)
    WHERE h.instance_id = %(template)s""",
    "jobs": """INSERT INTO jobs (id, instance_id, element_id, element_instance_id, type,
        retries, attempt, status, lease_owner, lease_until, due_at, variables, headers,
        error, created_at, completed_at)
    SELECT j.id || '-' || %(tag)s || lpad(s.n::text, 9, '0'),
        'b' || %(tag)s || lpad(s.n::text, 9, '0'), j.element_id, j.element_instance_id,
        j.type, j.retries, j.attempt, j.status, NULL, NULL, j.due_at, j.variables, j.headers,
        j.error, j.created_at, j.completed_at
    FROM jobs j, generate_series(%(first)s::integer, %(last)s::integer) AS s(n)
    WHERE j.instance_id = %(template)s""",
    "element_counts": """INSERT INTO element_counts (definition_id, element_id, shard,
        activated, completed, terminated)
    SELECT i.definition_id, h.element_id, 0,
        c.n * count(*) FILTER (WHERE h.kind = 'element_activated'),
        c.n * count(*) FILTER (WHERE h.kind = 'element_completed'),
        c.n * count(*) FILTER (WHERE h.kind = 'element_terminated')
    FROM history_events h JOIN instances i ON i.id = h.instance_id,
        (SELECT %(last)s::bigint - %(first)s::bigint + 1 AS n) AS c
    WHERE h.instance_id = %(template)s AND h.element_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
    GROUP BY i.definition_id, h.element_id, c.n
    ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
        activated = element_counts.activated + excluded.activated,
        completed = element_counts.completed + excluded.completed,
        terminated = element_counts.terminated + excluded.terminated""",
}


def add_finished(store: Store, template: str, count: int, *, tag: str, base: dt.datetime) -> float:
    """Copy the finished instance `template` `count` times (ids `b<tag><n>`, ended one
    millisecond apart from `base` on); returns the seconds it took."""
    raw: Any = store
    started = time.perf_counter()
    chunk = 50_000
    if store.dialect == "sqlite":
        conn = sqlite3.connect(raw.path, isolation_level=None)
        try:
            for first in range(0, count, chunk):
                last = min(first + chunk, count) - 1
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_series (n INTEGER)")
                conn.execute("DELETE FROM bench_series")
                conn.execute(
                    "INSERT INTO bench_series WITH RECURSIVE r(n) AS (SELECT ? UNION ALL "
                    "SELECT n + 1 FROM r WHERE n < ?) SELECT n FROM r",
                    (first, last),
                )
                stamp = base.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                for sql in _COPY_SQLITE.values():
                    conn.execute(sql, {"tag": tag, "base": stamp, "template": template})
                conn.execute("COMMIT")
            conn.execute("ANALYZE")
            # a settled file, as a node's is: the copies out of the log, and (os.sync) on
            # disk, so that the timed prune's fsyncs do not wait for the copy's writeback
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        os.sync()
    else:
        with psycopg.connect(raw.url, autocommit=True) as pg:
            for first in range(0, count, chunk):
                last = min(first + chunk, count) - 1
                params = {"tag": tag, "base": base, "template": template}
                with pg.transaction():
                    for sql in _COPY_POSTGRES.values():
                        pg.execute(sql, {**params, "first": first, "last": last})
            pg.execute("VACUUM ANALYZE")  # what autovacuum leaves a settled table in
    return time.perf_counter() - started


def list_latency(client: Client, definition_id: str, repeat: int = 30) -> dict[str, float]:
    """Median milliseconds of the list of the 50 newest instances of a definition in a
    state, and of the 50 newest of all: the page alone, and the page with the count capped
    at 10,000 that `POST /v2/process-instances/search` adds for `totalItems`."""
    out: dict[str, float] = {}
    filtered = InstanceQuery(
        definition_id=definition_id, statuses=["completed"], descending=True, limit=50
    )
    for name, query in (("filtered", filtered), ("all", InstanceQuery(descending=True, limit=50))):
        for counted in (False, True):
            spans: list[float] = []
            for _ in range(repeat):
                began = time.perf_counter()
                with client.store.transaction(write=False) as tx:
                    tx.page_instances(query)
                    if counted:
                        tx.count_instances(query, cap=10_000)
                spans.append((time.perf_counter() - began) * 1000)
            out[f"{name}_counted" if counted else name] = statistics.median(spans)
    return out


def prune_rate(
    client: Client, ended_before: dt.datetime, seconds: float = 5.0
) -> dict[str, float | int]:
    """Instances pruned a second for up to `seconds` (batches sized to 25 ms, as the node
    does), this process's CPU microseconds per instance, and how long each batch held the
    writer: p50, p99 and max milliseconds of the time inside the guard, which is the
    batch's whole transaction (`BEGIN IMMEDIATE` on SQLite to the return of its COMMIT,
    with the pooled connection's hand-over either side) and what the node's SQLite write
    lock is held for. The log checkpoints between batches are outside it, in the rate."""
    spans: list[float] = []

    @contextmanager
    def timed() -> Iterator[None]:
        began = time.perf_counter()
        yield
        spans.append((time.perf_counter() - began) * 1000)

    deadline = time.perf_counter() + seconds
    stop: Callable[[], bool] = lambda: time.perf_counter() > deadline  # noqa: E731
    started, cpu = time.perf_counter(), time.process_time()
    pruned = prune(
        client.store,
        ended_before=ended_before,
        batch=20,  # as the node's first batch; later ones are sized to the budget
        guard=timed,
        should_stop=stop,
        pace=Pace(batch_ms=25.0),
        reclaim=False,
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    ordered = sorted(spans or [0.0])
    return {
        "pruned": pruned.instances,
        "batches": len(spans),
        "per_s": pruned.instances / elapsed if elapsed > 0 else 0.0,
        "cpu_us_per_instance": cpu * 1e6 / pruned.instances if pruned.instances else 0.0,
        "hold_p50_ms": statistics.median(ordered),
        "hold_p99_ms": ordered[min(int(0.99 * len(ordered)), len(ordered) - 1)],
        "hold_max_ms": ordered[-1],
    }
