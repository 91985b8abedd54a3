"""Process-intelligence analyses over a large history, and the import of a large XES log.

Run: `python benchmarks/insight_bench.py [--db sqlite|postgres|both] [--events N]
[--import-events N] [--simulate N] [--keep DIR] [--only NAME,...] [--json]`. Besides the
analyses (`compare`: the first 45 days against the last 45; `stuck` as of the day after) it
times the export as OCEL 2.0 JSON and SQLite, discovery (IMf, noise 0.2) and the token
replay of the same cases on the discovered model, and a simulation of N cases with the
durations and branch shares of the history. The issue's
goals: `--events 1000000` (each analysis under 2 s) and `--import-events 250000` (the
import under 10 s); the defaults are smaller.

The history is synthetic: a claims model is deployed through the client (so that the
definition and its BPMN are real), then instances and their history rows are written in
bulk with the shape the engine writes (element activated/completed with their type and flow,
job locked, task claimed, BPMN errors) — the hash chain is not computed, the analyses do
not read it; the `steps` table the store keeps as it appends the history is then filled by
the backfill of its migration (schema 13), timed as `steps_s`. Paths: register -> check
(reworked by fix -> check in 30% of the rounds) -> decide -> approve (a person) or reject
-> end, at random times over 90 days.

PostgreSQL: `--database-url` names a database, else a temporary one is created on
$REGISTA_TEST_POSTGRES_URL's server (default postgresql://postgres@127.0.0.1:5432/test) and
dropped at the end. `--keep DIR` keeps the built history between runs (SQLite: a file in
DIR; PostgreSQL: a database `regista_bench_keep_<events>` on that server, never dropped) and
reuses it when it is there, so a run after the first times the analyses only; `--only`
times the named analyses and skips discovery, simulation, export and import. Figures, not
assertions: each analysis's wall time, and the CPU time of this process (`analyses_cpu_s`,
`import_cpu_s`), steadier on a loaded machine — on SQLite all of the work, on PostgreSQL the
client's share, with the backend's (`analyses_server_cpu_s`, its parallel workers not
counted) when the server runs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight import (
    EventDatabase,
    Report,
    Scope,
    bottlenecks,
    bpmn_errors,
    compare,
    deviations,
    directly_follows,
    durations,
    elements,
    import_log,
    incidents,
    open_database,
    throughput,
    traces,
    variants,
    write_log_file,
)
from regista.insight.mining import discover, fitness
from regista.insight.simulation import simulate
from regista.insight.simulation_input import deployed_model, from_history
from regista.insight.stuck import stuck
from regista.settings import Settings
from regista.store.sql import sqlfiles
from regista.store.sql.sqlite import path_from_url, split_statements

PG_ADMIN_URL = os.environ.get(
    "REGISTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

ANALYSES: dict[str, Callable[[EventDatabase, Scope], Report]] = {
    "elements": elements,
    "bottlenecks": bottlenecks,
    "throughput": throughput,
    "durations": durations,
    "variants": variants,
    "dfg": directly_follows,
    "deviations": deviations,
    "incidents": incidents,
    "errors": bpmn_errors,
}

_MIDDLE = datetime(2024, 2, 15, tzinfo=UTC)  # half way through the 90 days of history


def _compare(db: EventDatabase, scope: Scope) -> Report:
    """The first 45 days against the last 45 (one version: two windows)."""
    before = Scope(scope.definition, until=_MIDDLE)
    return compare(db, before, Scope(scope.definition, since=_MIDDLE))


def _stuck(db: EventDatabase, scope: Scope) -> Report:
    return stuck(db, scope, now=datetime(2024, 4, 1, tzinfo=UTC))


ANALYSES["compare"] = _compare
ANALYSES["stuck"] = _stuck
EXPORTS = ("ocel-json", "ocel-sqlite")


def claims() -> ProcessBuilder:
    return (
        ProcessBuilder("claims")
        .start("register", name="Register")
        .service_task("check", name="Check", type="check")
        .exclusive_gateway("decide")
        .condition("=ok")
        .user_task("approve", name="Approve")
        .end("approved")
        .move_to("decide")
        .default()
        .end("rejected")
    )


Row = tuple[Any, ...]


def history_rows(count_events: int, seed: int = 11) -> Iterator[tuple[Row, list[Row]]]:
    """(instance row, its history rows) until about `count_events` history rows."""
    rnd = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    made = 0
    n = 0
    while made < count_events:
        n += 1
        iid = f"i{n:08d}"
        at = base + timedelta(seconds=rnd.randrange(90 * 86400))
        start = at
        rows: list[Row] = []

        def event(
            rows: list[Row],
            at: datetime,
            iid: str,
            kind: str,
            element: str,
            eid: str,
            data: dict[str, Any],
            actor: str | None = None,
        ) -> None:
            rows.append((iid, len(rows) + 1, at, kind, element, eid, actor, json.dumps(data)))

        event(rows, at, iid, "instance_started", "claims", iid, {"start_event": None})
        path = [("register", "startEvent", "f0"), ("check", "serviceTask", "f1")]
        while rnd.random() < 0.3:
            path.append(("check", "serviceTask", "f1"))
        path.append(("decide", "exclusiveGateway", "f2"))
        if rnd.random() < 0.7:
            path += [("approve", "userTask", "f3"), ("approved", "endEvent", "f4")]
        else:
            path.append(("rejected", "endEvent", "f5"))
        for ei, (element, kind, flow) in enumerate(path, start=1):
            eid = f"{iid}-{ei}"
            event(rows, at, iid, "element_activated", element, eid, {"type": kind, "flow": flow})
            if kind == "serviceTask":
                at += timedelta(seconds=rnd.randrange(1, 600))
                event(rows, at, iid, "job_locked", element, eid, {"type": "check"}, "node-1")
                at += timedelta(seconds=rnd.randrange(1, 60))
            elif kind == "userTask":
                at += timedelta(seconds=rnd.randrange(60, 86400))
                claimer = f"user{rnd.randrange(20)}"
                event(rows, at, iid, "user_task_claimed", element, eid, {}, claimer)
                at += timedelta(seconds=rnd.randrange(60, 7200))
            event(rows, at, iid, "element_completed", element, eid, {"type": kind, "flows": []})
        event(rows, at, iid, "instance_ended", "claims", iid, {"status": "completed"})
        made += len(rows)
        yield (iid, start, at), rows


def fill(settings: Settings, events: int) -> int:
    """Deploy the model and write the synthetic history; returns the rows written."""
    with Client(settings) as client:
        (deployed,) = client.deploy(claims())
    definition = deployed.definition_id
    url = settings.database_url
    written = 0
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(path_from_url(url), isolation_level=None)
        conn.execute("BEGIN")

        def ts(value: datetime) -> str:
            return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        for (iid, start, end), rows in history_rows(events):
            conn.execute(
                "INSERT INTO instances (id, definition_id, process_id, status, state, version, "
                "started_at, ended_at, updated_at) VALUES (?, ?, 'claims', 'completed', '{}', 1,"
                " ?, ?, ?)",
                (iid, definition, ts(start), ts(end), ts(end)),
            )
            conn.executemany(
                "INSERT INTO history (instance_id, seq, ts, actor, events, hash) "
                "VALUES (?, ?, ?, ?, ?, 'x')",
                [(r[0], r[1], ts(r[2]), r[6], _events(r)) for r in rows],
            )
            written += len(rows)
        conn.execute("COMMIT")
        conn.close()
        return written
    with psycopg.connect(url, autocommit=True) as pg, pg.transaction(), pg.cursor() as cur:
        instances: list[Row] = []
        with cur.copy(
            "COPY history (instance_id, seq, ts, actor, events, hash) FROM STDIN"
        ) as copy:
            for (iid, start, end), rows in history_rows(events):
                instances.append((iid, definition, "claims", "completed", "{}", 1, start, end, end))
                for r in rows:
                    copy.write_row((r[0], r[1], r[2], r[6], _events(r), b"x"))
                written += len(rows)
        with cur.copy(
            "COPY instances (id, definition_id, process_id, status, state, version, started_at,"
            " ended_at, updated_at) FROM STDIN"
        ) as copy:
            for instance in instances:
                copy.write_row(instance)
        cur.execute("ANALYZE")
    return written


def _events(row: Row) -> str:
    """A history row's events (schema 19) for a synthetic row of one event."""
    return f"[{json.dumps([row[3], row[4], row[5]])[:-1]},{row[7]}]]"


def backfill(settings: Settings) -> None:
    """Fill `steps` from the history as the migration that made the table does (the bulk
    rows above bypass the store, which keeps it for the history it appends)."""
    url = settings.database_url
    dialect: sqlfiles.SqlDialect = "sqlite" if url.startswith("sqlite:") else "postgres"
    (migration,) = [m for m in sqlfiles.migrations(dialect) if m.name == "steps"]
    # the migration read one event a row; since schema 19 a row holds a command's events,
    # which the view history_events reads as that table was
    inserts = [
        s.replace("FROM history h", "FROM history_events h")
        for s in split_statements(migration.sql)
        if "\n".join(ln for ln in s.splitlines() if not ln.lstrip().startswith("--"))
        .lstrip()
        .startswith("INSERT INTO steps")
    ]
    if dialect == "sqlite":
        conn = sqlite3.connect(path_from_url(url), isolation_level=None)
        conn.execute("BEGIN")
        for statement in inserts:
            conn.execute(statement)
        conn.execute("COMMIT")
        conn.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        with pg.transaction():
            for statement in inserts:
                pg.execute(statement.encode())
        pg.execute("ANALYZE")


def write_xes(path: Path, events: int, seed: int = 5) -> int:
    """A generated XES log of about `events` events (start and complete per step)."""
    rnd = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016">\n')
        n = 0
        while written < events:
            n += 1
            out.write(f'<trace><string key="concept:name" value="case-{n}"/>\n')
            at = base + timedelta(seconds=rnd.randrange(90 * 86400))
            for activity in ("register", "check", "decide", "approve", "archive"):
                for transition in ("start", "complete"):
                    at += timedelta(seconds=rnd.randrange(1, 3600))
                    out.write(
                        f'<event><string key="concept:name" value="{activity}"/>'
                        f'<date key="time:timestamp" value="{at.isoformat()}"/>'
                        f'<string key="lifecycle:transition" value="{transition}"/>'
                        f'<string key="org:resource" value="user{rnd.randrange(9)}"/></event>\n'
                    )
                    written += 1
            out.write("</trace>\n")
        out.write("</log>\n")
    return written


def database_url(kind: str, tmp: Path, base: str | None, keep: Path | None, events: int) -> str:
    """A new database for the run, or with `keep` the kept one (made if missing)."""
    if kind == "sqlite":
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{keep / f'insight-{events}.db'}"
        return f"sqlite:///{tmp / uuid.uuid4().hex[:8]}.db"
    assert base is not None
    schema = f"b_{uuid.uuid4().hex[:8]}" if keep is None else "bench"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{base}?options=-csearch_path%3D{schema}"


def built(settings: Settings) -> int:
    """The history rows of a kept database whose steps were filled (0: build it)."""
    with open_database(settings) as db:
        steps = db.one("SELECT COUNT(*) AS n FROM (SELECT 1 FROM steps LIMIT 1) s")
        if not steps["n"]:
            return 0
        return int(db.one("SELECT COUNT(*) AS n FROM history")["n"])


def backend_cpu(db: EventDatabase) -> Callable[[], float] | None:
    """The CPU seconds so far of the PostgreSQL backend serving `db`, read from /proc when
    the server runs on this machine (None otherwise, and on SQLite). Parallel workers of a
    query are processes of their own: their share is not in it."""
    if db.dialect.name != "postgres":
        return None
    stat = Path(f"/proc/{db.one('SELECT pg_backend_pid() AS pid')['pid']}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    try:
        read()
    except OSError:
        return None
    return read


@contextmanager
def timed(
    figures: dict[str, Any], name: str, server: Callable[[], float] | None = None
) -> Iterator[None]:
    """The wall time of the block, and this process's CPU time (on a loaded machine the
    steadier figure; on SQLite it is the whole work, on PostgreSQL the client's part, with
    the backend's beside it when `server` reads it)."""
    began, cpu = time.perf_counter(), time.process_time()
    served = server() if server is not None else 0.0
    yield
    figures["analyses_s"][name] = round(time.perf_counter() - began, 3)
    figures["analyses_cpu_s"][name] = round(time.process_time() - cpu, 3)
    if server is not None:
        figures.setdefault("analyses_server_cpu_s", {})[name] = round(server() - served, 3)


def bench(
    kind: str,
    events: int,
    import_events: int,
    tmp: Path,
    base: str | None,
    simulate_instances: int = 0,
    keep: Path | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    settings = Settings.from_env({}, database_url=database_url(kind, tmp, base, keep, events))
    figures: dict[str, Any] = {"db": kind, "analyses_s": {}, "analyses_cpu_s": {}}
    written = built(settings) if keep is not None else 0
    if written:
        figures.update(history_events=written, fill_s=0.0, steps_s=0.0, reused=True)
    else:
        began = time.perf_counter()
        figures["history_events"] = fill(settings, events)
        figures["fill_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        backfill(settings)
        figures["steps_s"] = round(time.perf_counter() - began, 2)
    with open_database(settings) as db:
        scope = Scope(definition="claims")
        server = backend_cpu(db)
        for name, analysis in ANALYSES.items():
            if only is None or name in only:
                with timed(figures, name, server):
                    analysis(db, scope)
        if only is not None:
            return figures
        # discovery (IMf) and token replay of the same cases on the discovered model
        with timed(figures, "discover"):
            found = discover(db, scope, noise=0.2)
        with timed(figures, "fitness"):
            fit = fitness(db, scope, found.definitions.processes["discovered"])
        figures["discovered"] = str(found.tree)
        figures["fitness"] = fit.extra["summary"]["fitness"]
        if simulate_instances:
            given = from_history(db, scope)
            model, process_id = deployed_model(db, scope)
            began = time.perf_counter()
            simulate(model, process_id, given, instances=simulate_instances)
            figures["simulate_instances"] = simulate_instances
            figures["simulate_s"] = round(time.perf_counter() - began, 2)
        figures["export_s"] = {}
        for fmt in EXPORTS:
            began = time.perf_counter()
            written = write_log_file(
                traces(db, scope), tmp / f"export-{kind}.{fmt}", fmt=fmt, name="claims"
            )
            figures["export_s"][fmt] = round(time.perf_counter() - began, 2)
            figures["export_events"] = written
        xes = tmp / f"import-{kind}.xes"
        figures["import_events"] = write_xes(xes, import_events)
        began, cpu = time.perf_counter(), time.process_time()
        import_log(db, xes, now=datetime.now(UTC), replace=keep is not None)
        figures["import_s"] = round(time.perf_counter() - began, 2)
        figures["import_cpu_s"] = round(time.process_time() - cpu, 2)
    return figures


def _kept_database(events: int) -> str:
    """The URL of the kept PostgreSQL database of `events` events, made if missing."""
    name = f"regista_bench_keep_{events}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        if (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is None
        ):
            admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rpartition("/")[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=100_000, help="History events.")
    parser.add_argument("--import-events", type=int, default=50_000, help="XES events.")
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to use.")
    parser.add_argument(
        "--simulate", type=int, default=200, help="Cases to simulate from the history (0: none)."
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="Keep (and reuse) the built history here."
    )
    parser.add_argument(
        "--only", default=None, help="Time these analyses only (comma-separated names)."
    )
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args()
    only = None if args.only is None else args.only.split(",")
    if only is not None and set(only) - set(ANALYSES):
        parser.error(f"--only takes {', '.join(ANALYSES)}")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    created: str | None = None
    base = args.database_url
    with tempfile.TemporaryDirectory(prefix="regista-insight-bench-") as tmp:
        try:
            if "postgres" in kinds and base is None and args.keep is not None:
                base = _kept_database(args.events)
            elif "postgres" in kinds and base is None:
                created = f"regista_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{created}"')
                base = PG_ADMIN_URL.rpartition("/")[0] + "/" + created
            for kind in kinds:
                results.append(
                    bench(
                        kind,
                        args.events,
                        args.import_events,
                        Path(tmp),
                        base,
                        args.simulate,
                        args.keep,
                        only,
                    )
                )
        finally:
            if created is not None:
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for figures in results:
        print(
            f"{figures['db']}: {figures['history_events']:,} history events "
            + (
                "(kept from an earlier run)"
                if figures.get("reused")
                else f"(written in {figures['fill_s']} s, steps filled in {figures['steps_s']} s)"
            )
        )
        for name, seconds in figures["analyses_s"].items():
            cpu = figures["analyses_cpu_s"][name]
            served = figures.get("analyses_server_cpu_s", {}).get(name)
            backend = "" if served is None else f", of the PostgreSQL backend {served:.3f} s"
            print(f"  {name:<12} {seconds:8.3f} s  (CPU of this process {cpu:.3f} s{backend})")
        if "discovered" not in figures:
            continue
        print(f"  discovered: {figures['discovered']} (fitness {figures['fitness']})")
        if "simulate_s" in figures:
            print(
                f"  simulation of {figures['simulate_instances']} cases: {figures['simulate_s']} s"
            )
        for fmt, seconds in figures["export_s"].items():
            print(f"  export of {figures['export_events']:,} events as {fmt}: {seconds} s")
        print(
            f"  import of a {figures['import_events']:,}-event XES: {figures['import_s']} s "
            f"(CPU of this process {figures['import_cpu_s']} s)"
        )


if __name__ == "__main__":
    main()
