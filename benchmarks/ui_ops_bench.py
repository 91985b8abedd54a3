"""The cockpit's operator lists under load: how long the incidents and jobs pages (and their
live-refresh fragments) take to answer over a database of many instances.

Run: `python benchmarks/ui_ops_bench.py [--db sqlite|postgres|both] [--instances N]
[--incidents N] [--rounds N] [--json]`.

The database holds `--instances` instances (default 100,000): `--incidents` of them (default
2,000) stopped at an exclusive gateway none of whose conditions holds (an open incident
each), the others waiting on a service task's job. A real `regista server` (auth none) then
serves each page `--rounds` times: the first page, a filtered one, the page after a cursor,
and the fragments; figures are the median and the slowest answer of each, in milliseconds.

PostgreSQL: a temporary database on $REGISTA_TEST_POSTGRES_URL's server, dropped at the end
(see `api_bench.py`). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from api_bench import database, server
from regista.bpmn import ProcessBuilder
from regista.client import Client


def waiting() -> ProcessBuilder:
    return ProcessBuilder("waiting").start().service_task("work", type="bench-work").end()


def stuck() -> ProcessBuilder:
    return ProcessBuilder("stuck").start().exclusive_gateway("choose").condition("=x > 1").end("e")


def fill(url: str, instances: int, incidents: int, threads: int = 8) -> float:
    """Start the instances from `threads` threads (their commits share group commits);
    seconds it took."""
    every = max(1, instances // max(1, incidents))
    stuck_at = set(range(0, instances, every)[:incidents])
    began = time.perf_counter()
    with Client(url) as regista:
        regista.deploy(waiting(), stuck())

        def start(n: int) -> None:
            if n in stuck_at:
                regista.start("stuck", {"x": 0})
            else:
                regista.start("waiting")

        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(start, range(instances), chunksize=64):
                pass
    return time.perf_counter() - began


def timed(http: httpx.Client, path: str, rounds: int) -> dict[str, float]:
    times: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        answer = http.get(path)
        times.append(time.perf_counter() - began)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
    }


def older(http: httpx.Client, path: str) -> str:
    """The address of the page after the first one of `path`."""
    page = http.get(path).text
    found = re.search(r'<a href="\?([^"]+)" rel="next"', page)
    if found is None:
        raise RuntimeError(f"{path} has no next page")
    return path.split("?", 1)[0] + "?" + found.group(1).replace("&amp;", "&")


def run(kind: str, instances: int, incidents: int, rounds: int) -> dict[str, Any]:
    with database(kind) as url:
        filled = fill(url, instances, incidents)
        with server(url) as base, httpx.Client(base_url=base, timeout=120) as http:
            pages = {
                "incidents": "/ui/incidents",
                "incidents_filtered": "/ui/incidents?process=stuck&error_type=CONDITION_ERROR",
                "incidents_resolved": "/ui/incidents?state=RESOLVED",
                "incidents_fragment": "/ui/fragments/incidents?state=ACTIVE",
                "jobs": "/ui/jobs",
                "jobs_filtered": "/ui/jobs?type=bench-work&state=CREATED&retries=left",
                "jobs_by_process": "/ui/jobs?process=waiting",
                "jobs_fragment": "/ui/fragments/jobs",
            }
            pages["incidents_next"] = older(http, "/ui/incidents")
            pages["jobs_next"] = older(http, "/ui/jobs")
            timed(http, "/ui/incidents", 1)  # the first answer warms the server up
            figures = {name: timed(http, path, rounds) for name, path in pages.items()}
    return {
        "db": kind,
        "instances": instances,
        "incidents": incidents,
        "fill_s": round(filled, 1),
        "rounds": rounds,
        "pages": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    logging.getLogger("regista").setLevel(logging.ERROR)  # each incident is logged otherwise
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run(kind, args.instances, args.incidents, args.rounds) for kind in kinds]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for result in results:
        print(
            f"{result['db']}: {result['instances']} instances, {result['incidents']} incidents"
            f" (filled in {result['fill_s']} s), {result['rounds']} rounds"
        )
        for name, figure in result["pages"].items():
            print(f"  {name:<20} median {figure['median_ms']:>8} ms  max {figure['max_ms']:>8} ms")


if __name__ == "__main__":
    main()
