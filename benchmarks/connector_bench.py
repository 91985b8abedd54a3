"""Connector throughput and latency on a durable SQLite node.

Run: `python benchmarks/connector_bench.py [--calls N] [--messages N] [--json]`. Prints:

- HTTP connector calls/s: N instances of `start -> REST task (io.camunda:http-json:1)
  -> end`, started first, then timed from the node's start to the last completion, against
  a local HTTP server in another process; p50/p99 of the calls themselves, and the CPU time
  per call of the node's process and of the server's (they share the machine's cores),
  the node's split by thread: the workers (the calls), the reporter (the completions'
  units of work) and the dispatcher (the claims);
- with `--alone N`, the HTTP connector's own CPU time per call, called in one thread
  without the engine;
- inbound messages/s: N messages put on a RabbitMQ queue (127.0.0.1:5672) first, then timed
  from the inbound consumers' start until each became an instance, with p50/p99 of
  publish-to-instance latency measured at a steady pace below saturation (`--pace`/s).

Figures, not assertions. The goal on a 2-core machine is 500/s each.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pika

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.connectors import HTTP_JSON, HttpConnector, Secrets, standard_connectors
from regista.connectors.inbound import InboundConnectors
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node
from regista.runtime.workers import ActivatedJob

RABBIT = "amqp://guest:guest@127.0.0.1:5672/%2F"

SERVER = """
import sys
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
import uvicorn

async def ok(request):
    return JSONResponse({"ok": True, "id": request.query_params.get("id")})

app = Starlette(routes=[Route("/ok", ok)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, workers=1)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's live threads, by the name of their kind (the
    name without its number: `regista-worker`, `regista-reporter`, ...), read from
    /proc/self/task (empty elsewhere): where the node's CPU goes, without a profiler."""
    found: dict[str, float] = {}
    for thread in threading.enumerate():
        try:
            stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        kind = thread.name.rstrip("0123456789-_")
        found[kind] = found.get(kind, 0.0) + seconds
    return found


@contextmanager
def http_server() -> Iterator[tuple[str, int]]:
    """A local HTTP server in another process: its base URL and process id."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVER), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/ok", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def wait_ended(client: Client, process_id: str, n: int, timeout: float = 600) -> None:
    """Wait until `n` instances of the process completed, counting them on a connection of
    its own every 20 ms (the figures measure the engine, not the polling)."""
    store: Any = client.store
    deadline = time.monotonic() + timeout
    with sqlite3.connect(store.path) as conn:
        while True:
            (ended,) = conn.execute(
                "SELECT count(*) FROM instances WHERE process_id = ? AND status = 'completed'",
                (process_id,),
            ).fetchone()
            if ended >= n:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ended} of {n} instances of {process_id} ended")
            time.sleep(0.02)


def ended_instances(client: Client, process_id: str) -> list[tuple[float, float]]:
    """(end time, `sent` variable) of every completed instance, read from the history."""
    found = []
    for info in client.instances(process_id=process_id, status="completed", limit=1_000_000):
        sent = info.variables.get("sent")
        if info.ended_at is not None and isinstance(sent, float | int | Decimal):
            found.append((info.ended_at.timestamp(), float(sent)))
    return found


def http_figures(n: int, workdir: Path, concurrency: int = 16) -> dict[str, float]:
    rest = (
        ProcessBuilder("rest")
        .start("s")
        .service_task(
            "call", type=HTTP_JSON, headers={"resultExpression": "={ok: response.body.ok}"}
        )
        .input("url", '=base + "/ok"')
        .input("queryParameters", "={id: string(n)}")
        .end("e")
    )
    timings: list[float] = []
    with http_server() as (base, server), Client(f"sqlite:///{workdir / 'http.db'}") as client:
        # as `regista engine` runs it: a client per worker thread, made by the connector
        connector = HttpConnector(Secrets())

        def timed(job: ActivatedJob) -> dict[str, Any]:
            began = time.perf_counter()
            try:
                return connector(job)
            finally:
                timings.append(time.perf_counter() - began)

        workers = standard_connectors(Secrets())
        workers.register(HTTP_JSON, timed)
        client.deploy(rest)
        for i in range(n):
            client.start("rest", {"base": base, "n": i})
        node = Node(
            client.shell,
            workers,
            executor=ExecutorOptions(concurrency=concurrency, batch=64, poll_interval=0.05),
        )
        started = time.perf_counter()
        cpu_started = time.process_time(), cpu_seconds(server)
        node.start()
        try:
            wait_ended(client, "rest", n)
        finally:
            elapsed = time.perf_counter() - started
            node_cpu = time.process_time() - cpu_started[0]
            server_cpu = cpu_seconds(server) - cpu_started[1]
            threads = thread_cpu()  # the node's threads were started after cpu_started
            node.stop(grace=5)
            connector.close()
    return {
        "http_calls_per_s": n / elapsed,
        "http_call_p50_ms": percentile(timings, 0.5) * 1000,
        "http_call_p99_ms": percentile(timings, 0.99) * 1000,
        "http_node_cpu_ms_per_call": node_cpu / n * 1000,
        "http_server_cpu_ms_per_call": server_cpu / n * 1000,
    } | {
        f"http_cpu_ms_per_call_{kind.removeprefix('regista-')}": threads.get(kind, 0.0) / n * 1000
        for kind in ("regista-worker", "regista-reporter", "regista-dispatch")
    }


def alone_figures(n: int) -> dict[str, float]:
    """The HTTP connector's own CPU time per call, called in this thread without the
    engine (the request, the response and the result expression): the part of the
    workers' figure that is the connector's, steadier than it on a busy machine."""
    with http_server() as (base, _):
        connector = HttpConnector(Secrets())

        def job(i: int) -> ActivatedJob:
            return ActivatedJob(
                id=f"j{i}",
                type=HTTP_JSON,
                instance_id="i",
                element_id="call",
                element_instance_id="e",
                variables={"url": f"{base}/ok", "queryParameters": {"id": str(i)}},
                headers={"resultExpression": "={ok: response.body.ok}"},
            )

        for i in range(min(n, 100)):  # the connection, the compiled expression
            connector(job(i))
        began, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            connector(job(i))
        figures = {
            "alone_cpu_ms_per_call": (time.process_time() - cpu) / n * 1000,
            "alone_calls_per_s": n / (time.perf_counter() - began),
        }
        connector.close()
    return figures


def inbound_model(queue: str) -> ProcessBuilder:
    return (
        ProcessBuilder("inbound")
        .start("received", message="bench-message")
        .property("inbound.type", "io.camunda:connector-rabbitmq-inbound:1")
        .property("inbound.authentication.uri", RABBIT)
        .property("inbound.queueName", queue)
        .property("resultExpression", "={sent: message.body.sent}")
        .end("e")
    )


def inbound_figures(n: int, pace: float, workdir: Path) -> dict[str, float]:
    queue = f"regista-bench-{uuid.uuid4().hex[:8]}"
    # the bench's own connection is idle while it waits (no heartbeats are sent then)
    connection = pika.BlockingConnection(pika.URLParameters(f"{RABBIT}?heartbeat=0"))
    channel = connection.channel()
    channel.queue_declare(queue)
    try:
        with Client(f"sqlite:///{workdir / 'inbound.db'}") as client:
            client.deploy(inbound_model(queue))
            for i in range(n):
                channel.basic_publish(
                    "",
                    queue,
                    json.dumps({"sent": time.time(), "i": i}).encode(),
                    pika.BasicProperties(message_id=f"m-{i}"),
                )
            inbound = InboundConnectors(client.shell, Secrets(), node_name="bench")
            started = time.perf_counter()
            inbound.reconcile()
            try:
                wait_ended(client, "inbound", n)
                rate = n / (time.perf_counter() - started)
                # latency at a steady pace below saturation
                latencies: list[float] = []
                steady = max(50, n // 4)
                for i in range(steady):
                    channel.basic_publish(
                        "",
                        queue,
                        json.dumps({"sent": time.time(), "i": n + i}).encode(),
                        pika.BasicProperties(message_id=f"m-{n + i}"),
                    )
                    time.sleep(1 / pace)
                wait_ended(client, "inbound", n + steady)
                ends = sorted(ended_instances(client, "inbound"), key=lambda pair: pair[1])
                latencies = [end - sent for end, sent in ends[-steady:]]
            finally:
                inbound.stop()
    finally:
        channel.queue_delete(queue)
        connection.close()
    return {
        "inbound_messages_per_s": rate,
        "inbound_p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "inbound_p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="HTTP connector instances")
    parser.add_argument("--messages", type=int, default=2000, help="inbound RabbitMQ messages")
    parser.add_argument("--concurrency", type=int, default=16, help="the node's threads")
    parser.add_argument("--pace", type=float, default=100.0, help="messages/s for latency")
    parser.add_argument(
        "--alone", type=int, default=0, help="also N calls of the HTTP connector alone"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(http_figures(args.calls, Path(tmp), args.concurrency))
        figures.update(inbound_figures(args.messages, args.pace, Path(tmp)))
    if args.alone:
        figures.update(alone_figures(args.alone))
    if args.json:
        print(json.dumps({k: round(v, 2) for k, v in figures.items()}))
        return
    print(
        f"HTTP connector: {figures['http_calls_per_s']:.0f} calls/s "
        f"(call p50 {figures['http_call_p50_ms']:.1f} ms, "
        f"p99 {figures['http_call_p99_ms']:.1f} ms; "
        f"CPU per call: node {figures['http_node_cpu_ms_per_call']:.2f} ms, "
        f"server {figures['http_server_cpu_ms_per_call']:.2f} ms)"
    )
    print(
        "  node CPU per call by thread: "
        f"workers (call) {figures['http_cpu_ms_per_call_worker']:.2f} ms, "
        f"reporter (complete) {figures['http_cpu_ms_per_call_reporter']:.2f} ms, "
        f"dispatcher (claim) {figures['http_cpu_ms_per_call_dispatch']:.2f} ms"
    )
    if args.alone:
        print(
            f"  the HTTP connector alone (one thread, no engine): "
            f"{figures['alone_cpu_ms_per_call']:.2f} ms CPU per call, "
            f"{figures['alone_calls_per_s']:.0f} calls/s"
        )
    print(
        f"inbound RabbitMQ: {figures['inbound_messages_per_s']:.0f} messages/s into instances "
        f"(p50 {figures['inbound_p50_ms']:.1f} ms, p99 {figures['inbound_p99_ms']:.1f} ms "
        f"at {args.pace:g}/s)"
    )


if __name__ == "__main__":
    main()
