"""Camunda 7 external task throughput: tasks completed per second by worker processes
through `POST /engine-rest/external-task/fetchAndLock` and `/{id}/complete` over HTTP, with
latencies.

Run: `python benchmarks/external_task_bench.py [--db sqlite|postgres|both] [--tasks N]
[--threads N] [--json]`.

The server's database holds `--tasks` instances of `start -> external task (topic
"bench") -> end`, started beforehand with regista's `Client`, on a real `regista server`
process (auth none, engine node in it). Then 1 and 4 worker processes (each one fetching
thread and `--threads` threads completing concurrently, as a Camunda 7 worker does) take
every task, once with a plain topic (the type-wide claim) and once with a topic filtered
by `processDefinitionKey` (the claim that reads each instance). Figures: tasks/s from the
first fetch to the last completion, p50/p99 of the completions and of the fetches.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from api_bench import database, percentile, server
from regista.client import Client

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="bench" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def worker_process(
    base: str, threads: int, batch: int, filtered: bool, stop_at: int, counter: Any, out: Any
) -> None:
    """One worker process: fetch and lock, complete concurrently; send latencies when done."""
    worker_id = f"bench-{os.getpid()}"
    completions: list[float] = []
    fetches: list[float] = []
    lock = threading.Lock()
    topic: dict[str, Any] = {"topicName": "bench", "lockDuration": 60_000}
    if filtered:
        topic["processDefinitionKey"] = "bench"
    with httpx.Client(base_url=base, timeout=60) as http, ThreadPoolExecutor(threads) as pool:

        def complete(task_id: str) -> None:
            began = time.perf_counter()
            response = http.post(
                f"/engine-rest/external-task/{task_id}/complete",
                json={"workerId": worker_id, "variables": {"ok": {"value": 1}}},
            )
            response.raise_for_status()
            with lock:
                completions.append(time.perf_counter() - began)
            with counter.get_lock():
                counter.value += 1

        pending: list[Any] = []
        while counter.value < stop_at:
            pending = [f for f in pending if not f.done()]
            room = threads * 2 - len(pending)
            if room <= 0:
                time.sleep(0.001)
                continue
            began = time.perf_counter()
            response = http.post(
                "/engine-rest/external-task/fetchAndLock",
                json={
                    "workerId": worker_id,
                    "maxTasks": min(room, batch),
                    "asyncResponseTimeout": 200,
                    "topics": [topic],
                },
            )
            response.raise_for_status()
            fetches.append(time.perf_counter() - began)
            for task in response.json():
                pending.append(pool.submit(complete, task["id"]))
        for future in pending:
            future.result()
    out.put({"completions": completions, "fetches": fetches})


def run(kind: str, tasks: int, processes: int, threads: int, filtered: bool) -> dict[str, Any]:
    with database(kind) as url:
        with Client(url) as client:
            client.deploy(MODEL)
            for _ in range(tasks):
                client.start("bench")
        with server(url) as base:
            context = multiprocessing.get_context("spawn")
            counter = context.Value("i", 0)
            out = context.Queue()
            workers = [
                context.Process(
                    target=worker_process,
                    args=(base, threads, 32, filtered, tasks, counter, out),
                )
                for _ in range(processes)
            ]
            began = time.perf_counter()
            for worker in workers:
                worker.start()
            results = [out.get(timeout=600) for _ in workers]
            elapsed = time.perf_counter() - began
            for worker in workers:
                worker.join(timeout=60)
    completions = [v for r in results for v in r["completions"]]
    fetches = [v for r in results for v in r["fetches"]]
    return {
        "db": kind,
        "topic": "filtered" if filtered else "plain",
        "workers": processes,
        "threads_per_worker": threads,
        "tasks": len(completions),
        "tasks_per_s": round(len(completions) / elapsed, 1),
        "complete_p50_ms": round(percentile(completions, 0.5) * 1000, 2),
        "complete_p99_ms": round(percentile(completions, 0.99) * 1000, 2),
        "fetch_p50_ms": round(percentile(fetches, 0.5) * 1000, 2),
        "fetch_p99_ms": round(percentile(fetches, 0.99) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    figures = [
        run(kind, args.tasks, processes, args.threads, filtered)
        for kind in kinds
        for filtered in (False, True)
        for processes in (1, 4)
    ]
    if args.json:
        print(json.dumps({"external_tasks": figures}, indent=2))
        return
    for f in figures:
        print(
            f"{f['db']:8} {f['topic']:8} {f['workers']} worker(s) x {f['threads_per_worker']} "
            f"threads: {f['tasks_per_s']:8.1f} tasks/s  complete p50 {f['complete_p50_ms']} ms "
            f"p99 {f['complete_p99_ms']} ms  fetch p50 {f['fetch_p50_ms']} ms "
            f"p99 {f['fetch_p99_ms']} ms  ({f['tasks']} tasks)"
        )


if __name__ == "__main__":
    main()
