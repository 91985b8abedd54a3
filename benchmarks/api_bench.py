"""The REST API's job throughput: jobs completed per second by external worker processes
through `POST /v2/jobs/activation` and `/completion` over HTTP, with latencies.

Run: `python benchmarks/api_bench.py [--db sqlite|postgres|both] [--jobs N] [--starts N]
[--client stdlib|httpx] [--in-process] [--json]`.

Clients: `stdlib` (the default) sends each thread's requests over a keep-alive connection of
its own with `http.client`, the lightest HTTP client in Python, so that on a small machine
the figures are the server's more than the client's; `httpx` uses one `httpx.Client` per
process, as `regista.worker` does. The server runs as `regista server` does by default
(uvicorn with httptools and uvloop when installed, which they are with regista).

Starts: 1 and 16 concurrent clients (threads of this process) start `--starts` instances
of `start -> service task "bench" -> end` with `POST /v2/process-instances` on a real
`regista server` process (auth none, engine node in it); starts/s and p50/p99.

Jobs: the server's database holds `--jobs` such instances, started beforehand with
regista's `Client`. Then 1 and 4 worker processes
(each one activation thread and `--threads` threads completing concurrently, as an
external worker does) take every job; figures: jobs/s from the first activation to the
last completion, and p50/p99 of the completion requests and of activation requests.

Each figure comes with the server process's CPU time per start or job (from /proc, on
Linux) and the load average: on a shared, loaded machine the rates say more about the
neighbours than about regista, the CPU per request much less so.

`--in-process`: the application (`create_app`, no engine node) is called in this process
through ASGI, without uvicorn, sockets or client processes: 16 concurrent starts, then
activations with 8 concurrent completions; the figure is this process's CPU per start or
job (the calls' own cost included, a small part), steadier on a loaded machine than the
server's, for comparing changes to the API layer back to back.

PostgreSQL: a temporary database on $REGISTA_TEST_POSTGRES_URL's server (default
postgresql://postgres@127.0.0.1:5432/test), dropped at the end. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import psycopg

from regista.bpmn import ProcessBuilder
from regista.client import Client

PG_ADMIN_URL = os.environ.get(
    "REGISTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def bench_process() -> ProcessBuilder:
    return ProcessBuilder("bench").start("start").service_task("work", type="bench").end("end")


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"regista_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) a process has used so far, from /proc (None elsewhere):
    the server's cost per request, which a loaded machine changes far less than the rate."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Running:
    """A server process started by `server`: its base URL and its CPU time so far."""

    def __init__(self, base: str, pid: int) -> None:
        self.base = base
        self.pid = pid

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid)


def cpu_us_per_op(before: float | None, after: float | None, ops: int) -> float | None:
    if before is None or after is None or not ops:
        return None
    return round((after - before) / ops * 1e6, 1)


@contextmanager
def server(url: str) -> Iterator[str]:
    """A `regista server` process over `url` (see `running_server`): its base URL."""
    with running_server(url) as running:
        yield running.base


@contextmanager
def running_server(url: str) -> Iterator[Running]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regista.cli.main",
            "server",
            "--auth",
            "none",
            "--database-url",
            url,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield Running(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)


class Poster(Protocol):
    """Sends a JSON POST and gives the status and the decoded body (None when empty)."""

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]: ...

    def close(self) -> None: ...


class StdlibPoster:
    """A keep-alive `http.client` connection per thread (see the module docstring)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        conn = self._connection()
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()


class HttpxPoster:
    """One `httpx.Client` shared by the threads of a process."""

    def __init__(self, base: str) -> None:
        self._http = httpx.Client(base_url=base, timeout=60)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = self._http.post(path, json=body)
        return response.status_code, response.json() if response.content else None

    def close(self) -> None:
        self._http.close()


def poster(kind: str, base: str) -> Poster:
    return StdlibPoster(base) if kind == "stdlib" else HttpxPoster(base)


def worker_process(
    base: str, client: str, threads: int, batch: int, stop_at: int, counter: Any, out: Any
) -> None:
    """One worker process: activate, complete concurrently; send latencies when done."""
    completions: list[float] = []
    activations: list[float] = []
    lock = threading.Lock()
    http = poster(client, base)
    with ThreadPoolExecutor(threads) as pool:

        def complete(key: str) -> None:
            began = time.perf_counter()
            status, _ = http.post(f"/v2/jobs/{key}/completion", {"variables": {"ok": 1}})
            if status != 204:
                raise RuntimeError(f"completion answered {status}")
            with lock:
                completions.append(time.perf_counter() - began)
            with counter.get_lock():
                counter.value += 1

        pending: set[Future[None]] = set()
        while counter.value < stop_at:
            pending = {f for f in pending if not f.done()}
            room = threads * 2 - len(pending)
            if room <= 0:  # wait for a completion, without spinning on a core the server needs
                wait(pending, return_when=FIRST_COMPLETED)
                continue
            began = time.perf_counter()
            status, answer = http.post(
                "/v2/jobs/activation",
                {
                    "type": "bench",
                    "worker": f"bench-{os.getpid()}",
                    "timeout": 60_000,
                    "maxJobsToActivate": min(room, batch),
                    "requestTimeout": 200,
                },
            )
            if status != 200:
                raise RuntimeError(f"activation answered {status}")
            activations.append(time.perf_counter() - began)
            for job in answer["jobs"]:
                pending.add(pool.submit(complete, job["jobKey"]))
        for future in pending:
            future.result()
    http.close()
    out.put({"completions": completions, "activations": activations})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def run_jobs(kind: str, jobs: int, processes: int, threads: int, client: str) -> dict[str, Any]:
    with database(kind) as url:
        with Client(url) as regista:
            regista.deploy(bench_process())
            for _ in range(jobs):
                regista.start("bench")
        with running_server(url) as running:
            base = running.base
            context = multiprocessing.get_context("spawn")
            counter = context.Value("i", 0)
            out = context.Queue()
            workers = [
                context.Process(
                    target=worker_process, args=(base, client, threads, 32, jobs, counter, out)
                )
                for _ in range(processes)
            ]
            cpu_before = running.cpu()
            began = time.perf_counter()
            for worker in workers:
                worker.start()
            results = [out.get(timeout=600) for _ in workers]
            elapsed = time.perf_counter() - began
            cpu_after = running.cpu()
            for worker in workers:
                worker.join(timeout=60)
    completions = [v for r in results for v in r["completions"]]
    activations = [v for r in results for v in r["activations"]]
    return {
        "db": kind,
        "client": client,
        "workers": processes,
        "threads_per_worker": threads,
        "jobs": len(completions),
        "jobs_per_s": round(len(completions) / elapsed, 1),
        "completion_p50_ms": round(percentile(completions, 0.5) * 1000, 2),
        "completion_p99_ms": round(percentile(completions, 0.99) * 1000, 2),
        "activation_p50_ms": round(percentile(activations, 0.5) * 1000, 2),
        "activation_p99_ms": round(percentile(activations, 0.99) * 1000, 2),
        "server_cpu_us_per_job": cpu_us_per_op(cpu_before, cpu_after, len(completions)),
        "load": os.getloadavg()[0],
    }


def run_starts(kind: str, starts: int, clients: int, client: str) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()
    with database(kind) as url:
        with Client(url) as regista:
            regista.deploy(bench_process())
        with running_server(url) as running:
            http = poster(client, running.base)
            body = {"processDefinitionId": "bench", "variables": {"n": 1}}

            def start(_: int) -> None:
                began = time.perf_counter()
                status, _ = http.post("/v2/process-instances", body)
                if status != 200:
                    raise RuntimeError(f"the start answered {status}")
                with lock:
                    latencies.append(time.perf_counter() - began)

            cpu_before = running.cpu()
            began = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(start, range(starts)))
            elapsed = time.perf_counter() - began
            cpu_after = running.cpu()
            http.close()
    return {
        "db": kind,
        "client": client,
        "clients": clients,
        "starts": len(latencies),
        "starts_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "server_cpu_us_per_start": cpu_us_per_op(cpu_before, cpu_after, len(latencies)),
        "load": os.getloadavg()[0],
    }


def _asgi_scope(path: str, body: bytes) -> dict[str, Any]:
    """What uvicorn hands the application for a JSON POST to `path`."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "state": {},
    }


Call = Callable[[str, dict[str, Any]], Awaitable[tuple[int, bytes]]]


def _asgi_caller(app: Any) -> Call:
    async def call(path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        given = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client stays
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                chunks.append(message.get("body", b""))

        await app(_asgi_scope(path, body), receive, send)
        return status, b"".join(chunks)

    return call


async def _asgi_starts(call: Call, starts: int) -> None:
    body = {"processDefinitionId": "bench", "variables": {"n": 1}}
    left = iter(range(starts))

    async def client() -> None:
        for _ in left:
            status, answer = await call("/v2/process-instances", body)
            if status != 200:
                raise RuntimeError(f"the start answered {status}: {answer!r}")

    await asyncio.gather(*(client() for _ in range(16)))


async def _asgi_jobs(call: Call, jobs: int) -> int:
    done = 0

    async def complete(keys: list[str]) -> None:
        nonlocal done
        for key in keys:
            status, answer = await call(f"/v2/jobs/{key}/completion", {"variables": {"ok": 1}})
            if status != 204:
                raise RuntimeError(f"completion answered {status}: {answer!r}")
            done += 1

    while done < jobs:
        status, answer = await call(
            "/v2/jobs/activation",
            {"type": "bench", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 32},
        )
        if status != 200:
            raise RuntimeError(f"activation answered {status}: {answer!r}")
        keys = [job["jobKey"] for job in json.loads(answer)["jobs"]]
        await asyncio.gather(*(complete(keys[i::8]) for i in range(8)))
    return done


def run_in_process(kind: str, starts: int, jobs: int) -> dict[str, Any]:
    """Starts and jobs through the application called in this process (see the module
    docstring): CPU per operation of this process."""
    import uvloop

    from regista.api import ServerOptions, create_app

    with database(kind) as url:
        with Client(url) as regista:
            regista.deploy(bench_process())
            for _ in range(jobs):
                regista.start("bench")
        with Client(url) as regista:
            call = _asgi_caller(create_app(regista, ServerOptions(auth="none")))
            loop = uvloop.new_event_loop()
            try:
                cpu, began = time.process_time(), time.perf_counter()
                loop.run_until_complete(_asgi_starts(call, starts))
                start_cpu, start_wall = time.process_time() - cpu, time.perf_counter() - began
                cpu, began = time.process_time(), time.perf_counter()
                done = loop.run_until_complete(_asgi_jobs(call, jobs))
                job_cpu, job_wall = time.process_time() - cpu, time.perf_counter() - began
            finally:
                loop.close()
    return {
        "db": kind,
        "starts": starts,
        "starts_per_s": round(starts / start_wall, 1),
        "cpu_us_per_start": round(start_cpu / starts * 1e6, 1),
        "jobs": done,
        "jobs_per_s": round(done / job_wall, 1),
        "cpu_us_per_job": round(job_cpu / done * 1e6, 1),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--starts", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--client", choices=["stdlib", "httpx"], default="stdlib")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.in_process:
        inside = [run_in_process(kind, args.starts, args.jobs) for kind in kinds]
        if args.json:
            print(json.dumps({"in_process": inside}, indent=2))
            return
        for f in inside:
            print(
                f"{f['db']:8} in process: {f['starts_per_s']:8.1f} starts/s  CPU "
                f"{f['cpu_us_per_start']} µs/start;  {f['jobs_per_s']:8.1f} jobs/s  CPU "
                f"{f['cpu_us_per_job']} µs/job  load {f['load']:.1f}"
            )
        return
    starts = [
        run_starts(kind, args.starts, clients, args.client) for kind in kinds for clients in (1, 16)
    ]
    figures = [
        run_jobs(kind, args.jobs, processes, args.threads, args.client)
        for kind in kinds
        for processes in (1, 4)
    ]
    if args.json:
        print(json.dumps({"starts": starts, "jobs": figures}, indent=2))
        return
    for f in starts:
        print(
            f"{f['db']:8} {f['clients']:2} client(s): {f['starts_per_s']:8.1f} starts/s  "
            f"p50 {f['p50_ms']} ms p99 {f['p99_ms']} ms  server CPU "
            f"{f['server_cpu_us_per_start']} µs/start  load {f['load']:.1f}  "
            f"({f['starts']} starts)"
        )
    for f in figures:
        print(
            f"{f['db']:8} {f['workers']} worker(s) x {f['threads_per_worker']} threads: "
            f"{f['jobs_per_s']:8.1f} jobs/s  completion p50 {f['completion_p50_ms']} ms "
            f"p99 {f['completion_p99_ms']} ms  activation p50 {f['activation_p50_ms']} ms "
            f"p99 {f['activation_p99_ms']} ms  server CPU {f['server_cpu_us_per_job']} µs/job  "
            f"load {f['load']:.1f}  ({f['jobs']} jobs)"
        )


if __name__ == "__main__":
    main()
