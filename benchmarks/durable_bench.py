"""Durable runtime throughput and latency on SQLite or PostgreSQL.

Run: `python benchmarks/durable_bench.py --db sqlite|postgres [--json] [--instances N]
[--sizes 0,100000,1000000] [--only all|rates|core|sizes] [--metrics] [--relations]`.
Prints (with `--metrics`, the runtime observed by Prometheus metrics as the server's is;
with `--relations`, also the bytes per instance of each table and index):

- the database's own single-row commit rate in the same run (SQLite with the same
  synchronous setting; PostgreSQL: one client's single-row inserts), and the engine's
  instances/s as a percentage of it;
- store round trips (exchanges of the SQL session), this process's CPU milliseconds and the
  database's bytes per script instance, and bytes per service-task instance;
- list-50 latency (newest completed instances of a definition, and newest of all; the
  page alone and with the API's count capped at 10,000) and the prune rate (batches sized
  to 25 ms), its CPU per instance and how long each batch held the writer (p50, p99, max:
  `BEGIN IMMEDIATE` to the COMMIT's return on SQLite), with the machine's load, at each of
  `--sizes` finished instances (see `durable_scale.py`);

- instances/s of `start -> 3 script tasks -> end`, each instance one transaction (no wait
  state), started one after the other by a client;
- instances/s of `start -> 3 service tasks -> end` done by in-process workers of one node
  (instances started first, then timed from the node's start to the last completion);
- the same with one and with two `regista engine` processes (PostgreSQL only; SQLite
  serves one node), with how busy the machine's cores were meanwhile (engines and database
  share them: two nodes can only be faster when one left cores idle);
- p50/p99 start-to-end latency of the service-task process at a steady pace below
  saturation, with the node running;
- timer lateness (p50/p99/max) of `PT1S` timers: when the timer fired minus when it was due.

PostgreSQL: `--database-url` names a database, else a temporary one is created on
$REGISTA_TEST_POSTGRES_URL's server (default postgresql://postgres@127.0.0.1:5432/test) and
dropped at the end. Every figure uses an empty schema (SQLite: an empty file).
`--sqlite-synchronous NORMAL` trades the last commits before a power loss for speed (see
`regista.settings`). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

import durable_scale as scale
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight.metrics import Metrics
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node, NodeOptions
from regista.runtime.workers import ActivatedJob, Workers
from regista.settings import Settings

HERE = Path(__file__).parent
PG_ADMIN_URL = os.environ.get(
    "REGISTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def scripts() -> ProcessBuilder:
    builder = ProcessBuilder("scripts").start("start")
    for name in ("one", "two", "three"):
        builder.script_task(name, script="x + 1", result_variable="x")
    return builder.end("end")


def services() -> ProcessBuilder:
    return (
        ProcessBuilder("services")
        .start("start")
        .service_task("a", type="bench-a")
        .service_task("b", type="bench-b")
        .service_task("c", type="bench-c")
        .end("end")
    )


def napping() -> ProcessBuilder:
    return ProcessBuilder("nap").start("start").catch("sleep", duration="PT1S").end("end")


def workers() -> Workers:
    def step(job: ActivatedJob) -> dict[str, Any]:
        return {job.element_id: 1}

    return Workers({"bench-a": step, "bench-b": step, "bench-c": step})


class Databases:
    """Empty databases of one kind, one per figure."""

    def __init__(self, kind: str, url: str | None, synchronous: str) -> None:
        self.kind = kind
        self.synchronous = synchronous
        self.metrics = False
        self.relations = False
        self._tmp = tempfile.TemporaryDirectory(prefix="regista-bench-")
        self._created: str | None = None
        self._base = url
        if kind == "postgres" and url is None:
            name = f"regista_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            self._created = name
            self._base = PG_ADMIN_URL.rpartition("/")[0] + "/" + name

    def fresh(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{Path(self._tmp.name) / uuid.uuid4().hex[:8]}.db"
        assert self._base is not None
        schema = f"b_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self._base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self._base}?options=-csearch_path%3D{schema}"

    def settings(self, url: str, **more: Any) -> Settings:
        return Settings.from_env({}, database_url=url, sqlite_synchronous=self.synchronous, **more)

    def close(self) -> None:
        self._tmp.cleanup()
        if self._created is not None:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self._created}" WITH (FORCE)')


@contextmanager
def client_of(dbs: Databases, url: str) -> Iterator[Client]:
    client = Client(dbs.settings(url, pool_max_size=20))
    if dbs.metrics:  # what observing costs (`--metrics`): the server always observes
        Metrics(client.store, clock=client.shell.now).observe(client.shell)
    try:
        yield client
    finally:
        client.close()


_ACTIVE = "SELECT EXISTS (SELECT 1 FROM instances WHERE status = 'active' AND process_id = {})"


def wait_all(client: Client, process_id: str, timeout: float = 600) -> None:
    """Wait until every started instance of the process ended, asking the database every
    10 ms on a connection of its own with a query that stops at the first active instance
    (the figures measure the engine, not the polling)."""
    deadline = time.monotonic() + timeout
    store: Any = client.store
    if store.dialect == "sqlite":
        conn: Any = sqlite3.connect(store.path)
        query = _ACTIVE.format("?")
    else:
        conn = psycopg.connect(store.url, autocommit=True)
        query = _ACTIVE.format("%s")
    try:
        while conn.execute(query, (process_id,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"instances of {process_id} still run after {timeout} s")
            time.sleep(0.01)
    finally:
        conn.close()


def script_rate(dbs: Databases, n: int) -> dict[str, float | None]:
    """Instances/s of the script process, with the store's round trips, this process's CPU
    milliseconds and the database's bytes per instance."""
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(scripts())
        for i in range(20):  # warm up: parse, caches, connections
            client.start("scripts", {"x": i})
        with scale.counted_exchanges() as exchanges:
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(n):
                client.start("scripts", {"x": i})
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        figures: dict[str, float | None] = {
            "script_instances_per_s": n / elapsed,
            # SQLite runs in this process: a statement is a call, not a round trip
            "script_round_trips_per_instance": (
                exchanges[0] / n if dbs.kind == "postgres" else None
            ),
            "script_cpu_ms_per_instance": cpu * 1000 / n,
            "script_db_bytes_per_instance": scale.database_bytes(client.store) / (n + 20),
        }
        if dbs.relations:
            figures.update(breakdown(relation_bytes(client.store), n + 20, "script"))
        return figures


def relation_bytes(store: Any) -> dict[str, int]:
    """Bytes of each table and index (SQLite: `dbstat` pages; PostgreSQL: each relation of
    the schema with its TOAST), to tell what takes the space."""
    if store.dialect == "sqlite":
        with sqlite3.connect(store.path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    else:
        with psycopg.connect(store.url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid) - CASE WHEN c.relkind = 'r' "
                "THEN pg_indexes_size(c.oid) ELSE 0 END FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'i') AND n.nspname = current_schema()"
            ).fetchall()
    return {str(name): int(size) for name, size in rows if size}


def breakdown(sized: dict[str, int], n: int, prefix: str) -> dict[str, float]:
    """The relations' bytes per instance, largest first (those of one page or none, the
    empty ones, left out)."""
    ordered = sorted(sized.items(), key=lambda item: -item[1])
    return {f"{prefix}_bytes_{name}": size / n for name, size in ordered if size > 8192}


def service_rate(dbs: Databases, n: int) -> dict[str, float | None]:
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(services())
        for _ in range(n):
            client.start("services")
        node = Node(
            client.shell,
            workers(),
            executor=ExecutorOptions(concurrency=8, batch=64, poll_interval=0.05),
        )
        with scale.counted_exchanges() as exchanges:
            started = time.perf_counter()
            node.start()
            try:
                wait_all(client, "services")
            finally:
                elapsed = time.perf_counter() - started
                node.stop(grace=5)
        figures: dict[str, float | None] = {
            "service_instances_per_s": n / elapsed,
            # the node's work after the starts: three jobs activated and completed
            "service_round_trips_per_instance": (
                exchanges[0] / n if dbs.kind == "postgres" else None
            ),
            "service_db_bytes_per_instance": scale.database_bytes(client.store) / n,
        }
        if dbs.relations:
            figures.update(breakdown(relation_bytes(client.store), n, "service"))
        return figures


def raw_commit_rate(dbs: Databases, n: int) -> float:
    """The database's own single-row commit rate, measured beside the engine's figures."""
    url = dbs.fresh()
    if dbs.kind == "sqlite":
        return scale.sqlite_commit_rate(url.removeprefix("sqlite:///"), dbs.synchronous, n)
    return scale.postgres_commit_rate(url, n)


def at_size(dbs: Databases, sizes: list[int]) -> dict[str, Any]:
    """List-50 latency and prune rate once the database holds each of `sizes` finished
    three-service-task instances (copies of one the engine ran)."""
    figures: dict[str, Any] = {}
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(services())
        template = client.start("services")
        Node(client.shell, workers()).run_until_idle()
        definition_id = client.instance(template).definition_id
        held, tag = 0, 0
        for size in sorted(sizes):
            built = 0.0
            if size > held:
                built = scale.add_finished(
                    client.store, template, size - held, tag=str(tag), base=base
                )
                tag += 1
                held = size
            latency = scale.list_latency(client, definition_id)
            for name, ms in latency.items():
                figures[f"list50_{name}_ms_at_{size}"] = ms
            figures[f"build_s_at_{size}"] = built
            if size:
                pruned = scale.prune_rate(client, base + dt.timedelta(days=3650))
                held -= int(pruned["pruned"])
                for name in (
                    "per_s",
                    "cpu_us_per_instance",
                    "hold_p50_ms",
                    "hold_p99_ms",
                    "hold_max_ms",
                    "batches",
                ):
                    figures[f"prune_{name}_at_{size}"] = pruned[name]
                figures[f"load_1m_at_{size}"] = os.getloadavg()[0]
    return figures


def cpu_times() -> tuple[int, int]:
    """Total and idle jiffies of the machine (Linux), to tell how busy it was."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return (0, 0)
    return sum(fields), fields[3] + fields[4]


def busy_percent(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[0] - before[0]
    return None if total <= 0 else 100.0 * (1 - (after[1] - before[1]) / total)


def process_rate(dbs: Databases, n: int, processes: int) -> tuple[float, float | None]:
    """Instances/s of `processes` engine processes, and how busy the machine's CPUs were
    meanwhile (percent of all cores: engines and database together)."""
    url = dbs.fresh()
    with client_of(dbs, url) as client:
        client.deploy(services())
        for _ in range(n):
            client.start("services")
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "regista.cli.engine",
                    "--database-url",
                    url,
                    "--workers",
                    str(HERE / "durable_workers.py"),
                    "--concurrency",
                    "8",
                    "--poll-interval",
                    "0.05",
                    "--log-level",
                    "warning",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(processes)
        ]
        try:
            while len(client.store.nodes()) < processes:  # timed from when all are up
                time.sleep(0.005)
            started, cpu = time.perf_counter(), cpu_times()
            wait_all(client, "services")
            rate = n / (time.perf_counter() - started)
            return rate, busy_percent(cpu, cpu_times())
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def latency(dbs: Databases, n: int, rate: float) -> dict[str, float]:
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(services())
        node = Node(
            client.shell,
            workers(),
            executor=ExecutorOptions(concurrency=8, poll_interval=0.05),
        )
        node.start()
        try:
            ids = []
            began = time.perf_counter()
            for i in range(n):
                ids.append(client.start("services"))
                pause = began + (i + 1) / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            wait_all(client, "services")
        finally:
            node.stop(grace=5)
        spans = [
            (info.ended_at - info.started_at).total_seconds() * 1000
            for info in client.instances(process_id="services", limit=10**7)
            if info.ended_at is not None
        ]
    return {
        "latency_p50_ms": statistics.median(spans),
        "latency_p99_ms": percentile(spans, 0.99),
    }


def timer_lateness(dbs: Databases, n: int) -> dict[str, float]:
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(napping())
        node = Node(client.shell, workers(), node=NodeOptions(timer_poll=0.5))
        node.start()
        try:
            ids = []
            for _ in range(n):
                ids.append(client.start("nap"))
                time.sleep(2.0 / n)  # spread the due times over two seconds
            wait_all(client, "nap", timeout=60)
        finally:
            node.stop(grace=5)
        late: list[float] = []
        for iid in ids:
            for event in client.history(iid):
                if event.kind == "timer_fired":
                    due = dt.datetime.fromisoformat(event.data["due"])
                    late.append((event.ts - due).total_seconds() * 1000)
    return {
        "timer_lateness_p50_ms": statistics.median(late),
        "timer_lateness_p99_ms": percentile(late, 0.99),
        "timer_lateness_max_ms": max(late),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to use")
    parser.add_argument("--instances", type=int, default=2000, help="instances per figure")
    parser.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="observe with Prometheus metrics (regista.insight.metrics), as the server does",
    )
    parser.add_argument(
        "--sizes",
        default="0,100000,1000000",
        help="finished instances the list and prune figures are taken at (comma-separated)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "rates", "core", "sizes"],
        default="all",
        help=(
            "rates: the engine's figures only; core: the raw commit rate and the script and "
            "service-task figures (issue 11's goals) only; sizes: the large-database figures only"
        ),
    )
    parser.add_argument(
        "--relations",
        action="store_true",
        help="also print the bytes per instance of each table and index",
    )
    args = parser.parse_args()
    dbs = Databases(args.db, args.database_url, args.sqlite_synchronous)
    dbs.metrics = args.metrics
    dbs.relations = args.relations
    n = args.instances
    figures: dict[str, Any] = {"db": args.db, "metrics": args.metrics}
    if args.db == "sqlite":
        figures["sqlite_synchronous"] = args.sqlite_synchronous
    try:
        if args.only in ("all", "sizes"):
            figures.update(at_size(dbs, [int(s) for s in args.sizes.split(",") if s.strip()]))
        if args.only == "sizes":
            return report(figures, args.json)
        raw = raw_commit_rate(dbs, n)
        figures["raw_single_row_commits_per_s"] = raw
        figures.update(script_rate(dbs, n))
        figures.update(service_rate(dbs, n))
        figures["script_percent_of_raw_commits"] = 100 * figures["script_instances_per_s"] / raw
        figures["service_percent_of_raw_commits"] = 100 * figures["service_instances_per_s"] / raw
        if args.only == "core":
            return report(figures, args.json)
        if args.db == "postgres":
            one, busy_one = process_rate(dbs, n, 1)
            two, busy_two = process_rate(dbs, n, 2)
            figures["service_instances_per_s_1_process"] = one
            figures["service_instances_per_s_2_processes"] = two
            figures["two_process_speedup"] = two / one
            # a speed-up needs idle cores: these tell whether the machine had any left
            figures["cpu_cores"] = os.cpu_count()
            figures["cpu_busy_percent_1_process"] = busy_one
            figures["cpu_busy_percent_2_processes"] = busy_two
        else:
            figures["service_instances_per_s_2_processes"] = None  # SQLite serves one node
        steady = max(figures["service_instances_per_s"] * 0.5, 1.0)
        figures["latency_rate_per_s"] = steady
        figures.update(latency(dbs, min(n, 1000), steady))
        figures.update(timer_lateness(dbs, 200))
    finally:
        dbs.close()
    report(figures, args.json)


def report(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(
            json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()})
        )
        return
    for key, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"{key:40} {shown}")


if __name__ == "__main__":
    main()
