"""The modeler's server side: how long `POST /v2/resources/validation` takes for models of
growing size, and how long the modeler's start page and a deployed model's editor page
take with many deployed processes.

Run: `python benchmarks/modeler_bench.py [--sizes 10,100,1000] [--processes 500]
[--repeat 20] [--json]`.

Validation: a chain `start -> N service tasks -> end` (Camunda 8, service tasks with a job
type and FEEL script tasks in turn), sent as one `resources` part; p50/p99 over `--repeat`
calls after one uncounted. Pages: `--processes` process definitions deployed, then
`GET /ui/modeler` (the first page of the latest versions and the decisions) and
`GET /ui/modeler/edit?process=<key>`.
Everything runs in process over the memory store (httpx's ASGI transport, auth none), so
the figures are the server's work without the network. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from regista.api import ServerOptions, create_app
from regista.bpmn import ProcessBuilder, to_xml
from regista.client import Client
from regista.store.memory import MemoryStore
from regista.ui import mount_ui


def chain(size: int, process_id: str = "chain") -> bytes:
    """The XML of a process of `size` service tasks in a row."""
    builder = ProcessBuilder(process_id).start("start")
    for n in range(size):
        if n % 2:
            builder = builder.script_task(f"task_{n}", script="=n * 2", result_variable="twice")
        else:
            builder = builder.service_task(f"task_{n}", type="work")
    return to_xml(builder.end("end").build())


async def _timed(call: Callable[[], Awaitable[httpx.Response]], repeat: int) -> dict[str, float]:
    (await call()).raise_for_status()  # a first call warms the caches up, uncounted
    took: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = await call()
        took.append((time.perf_counter() - began) * 1000)
        answer.raise_for_status()
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 2),
        "p99_ms": round(took[min(len(took) - 1, int(len(took) * 0.99))], 2),
    }


async def run(sizes: list[int], processes: int, repeat: int) -> dict[str, object]:
    with Client(MemoryStore()) as client:
        options = ServerOptions(auth="none")
        app = create_app(client, options)
        mount_ui(app, client, options)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            validation: dict[str, dict[str, float]] = {}
            for size in sizes:
                xml = chain(size)
                files = [("resources", ("chain.bpmn", xml, "application/xml"))]

                def validate(
                    files: list[tuple[str, tuple[str, bytes, str]]] = files,
                ) -> Awaitable[httpx.Response]:
                    return http.post("/v2/resources/validation", files=files)

                validation[str(size)] = {"bytes": len(xml), **await _timed(validate, repeat)}
            deployed = [
                ("resources", (f"p{n}.bpmn", chain(3, f"p{n:05d}"), "application/xml"))
                for n in range(processes)
            ]
            answer = await http.post("/v2/deployments", files=deployed)
            answer.raise_for_status()
            key = answer.json()["deployments"][0]["processDefinition"]["processDefinitionKey"]
            pages = {
                "start_page": await _timed(lambda: http.get("/ui/modeler"), repeat),
                "edit_page": await _timed(
                    lambda: http.get(f"/ui/modeler/edit?process={key}"), repeat
                ),
            }
    return {"validation": validation, "processes": processes, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="service tasks per model")
    parser.add_argument("--processes", type=int, default=500, help="processes deployed")
    parser.add_argument("--repeat", type=int, default=20, help="calls per figure")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    figures = asyncio.run(run(sizes, args.processes, max(1, args.repeat)))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("POST /v2/resources/validation (a chain of N service tasks):")
    for size, row in figures["validation"].items():  # type: ignore[attr-defined]
        print(
            f"  N={size:>5}  {row['bytes']:>8} bytes"
            f"  p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms"
        )
    print(f"modeler pages with {figures['processes']} processes deployed:")
    for name, row in figures["pages"].items():  # type: ignore[attr-defined]
        print(f"  {name:<11} p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms")


if __name__ == "__main__":
    main()
