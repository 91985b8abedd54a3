"""The cockpit's counts at size: instances per definition and status, and element
instances per element of a definition, on SQLite or PostgreSQL holding many instances.

Run: `python benchmarks/statistics_bench.py --db sqlite|postgres [--instances 100000]
[--active 1000] [--json]`. The database gets `--instances` finished instances of a
process with a user task (one real run copied by the database, as `durable_scale.py`
does) and `--active` real instances waiting at the task; then it prints the median
milliseconds of:

- `instances_by_definition`: `Transaction.count_instances_by_definition()` (the dashboard
  and the processes page: one GROUP BY for every process);
- `elements_all`: `count_elements` over every instance of the definition, finished ones
  included (the definition page's diagram counts: the running totals of schema 17), and
  `elements_running` over its running instances only (a walk of those instances'
  history);
- `statistics_api`: `POST /v2/process-definitions/{key}/statistics/element-instances`
  through the application in process (the same code the UI calls), over every instance,
  and `statistics_api_running` with the filter `state: ACTIVE`.

`review_completed` is the completed count of the user task over every instance: it must
equal `finished_instances`.

Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

import durable_scale as scale
from durable_bench import Databases, client_of
from regista.api import ServerOptions, create_app
from regista.bpmn import ProcessBuilder
from regista.client import Client

ALL = ["active", "incident", "completed", "terminated", "cancelled"]


def review() -> ProcessBuilder:
    return (
        ProcessBuilder("stats")
        .start("start")
        .script_task("prepare", script="=1", result_variable="x")
        .user_task("review")
        .script_task("archive", script="=2", result_variable="y")
        .end("end")
    )


def median_ms(run: Callable[[], object], repeat: int) -> float:
    spans: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        spans.append((time.perf_counter() - began) * 1000)
    return statistics.median(spans)


def api_ms(client: Client, key: str, repeat: int, body: dict[str, Any]) -> float:
    app = create_app(client, ServerOptions(auth="none"))

    async def run() -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            path = f"/v2/process-definitions/{key}/statistics/element-instances"
            spans: list[float] = []
            for _ in range(repeat):
                began = time.perf_counter()
                answer = await http.post(path, json=body)
                answer.raise_for_status()
                spans.append((time.perf_counter() - began) * 1000)
            return statistics.median(spans)

    return asyncio.run(run())


def measure(dbs: Databases, finished: int, active: int, repeat: int) -> dict[str, Any]:
    with client_of(dbs, dbs.fresh()) as client:
        client.deploy(review())
        template = client.start("stats")
        task = client.tasks(instance_id=template)[0]
        client.complete_task(task.id)
        copied = scale.add_finished(
            client.store, template, finished, tag="s", base=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        )
        for _ in range(active):
            client.start("stats")
        with client.store.transaction(write=False) as tx:
            row = tx.get_instance(template)
        assert row is not None
        key = row.definition_id

        def by_definition() -> object:
            with client.store.transaction(write=False) as tx:
                return tx.count_instances_by_definition()

        def elements(statuses: list[str]) -> Callable[[], object]:
            def run() -> object:
                with client.store.transaction(write=False) as tx:
                    return tx.count_elements(key, statuses)

            return run

        with client.store.transaction(write=False) as tx:
            counts = {c.element_id: c.completed for c in tx.count_elements(key, ALL)}
        return {
            "finished_instances": finished + 1,
            "active_instances": active,
            "copy_s": round(copied, 1),
            "review_completed": counts.get("review"),
            "instances_by_definition_ms": round(median_ms(by_definition, repeat), 2),
            "elements_all_ms": round(median_ms(elements(ALL), repeat), 1),
            "elements_running_ms": round(median_ms(elements(["active", "incident"]), repeat), 2),
            "statistics_api_ms": round(api_ms(client, key, repeat, {}), 1),
            "statistics_api_running_ms": round(
                api_ms(client, key, repeat, {"filter": {"state": "ACTIVE"}}), 1
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to use")
    parser.add_argument("--instances", type=int, default=100_000, help="finished instances")
    parser.add_argument("--active", type=int, default=1000, help="running instances")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    dbs = Databases(args.db, args.database_url, "NORMAL")
    try:
        figures = {"db": args.db, **measure(dbs, args.instances, args.active, args.repeat)}
    finally:
        dbs.close()
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:28} {value}")


if __name__ == "__main__":
    main()
