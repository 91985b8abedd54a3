"""SLA monitoring and alerts: what they cost and how fast they go, on SQLite or PostgreSQL.

Run: `python benchmarks/sla_bench.py [--database-url URL] [--instances N] [--json]`.
Without `--database-url`, an empty SQLite file in a temporary folder. Prints:

- starts/s of `start -> user task` without an SLA target and with one on the task: the
  cost of writing the SLA timer in the same transaction;
- breaches/s: the node's scheduler firing every deadline once the fake clock passed them
  (one unit of work each: history event, breach row, alert queued);
- alerts/s: the dispatcher delivering the queued alerts to a local HTTP receiver (a
  threaded `http.server`), each a signed JSON POST and a fenced update.

Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime import monitoring
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node
from regista.settings import Settings


def waiting(process_id: str, target: str | None) -> ProcessBuilder:
    builder = ProcessBuilder(process_id).start("s").user_task("work")
    if target is not None:
        builder.property("regista.sla", target)
    return builder.end("e")


class _Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def run(url: str, instances: int) -> dict[str, Any]:
    clock = FakeClock("2030-01-01T09:00:00Z")
    figures: dict[str, Any] = {"database": url.split(":", 1)[0], "instances": instances}
    with Client(Settings(database_url=url), clock=clock) as client:
        client.deploy(waiting("plain", None))
        client.deploy(waiting("measured", "PT1H"))
        for process_id in ("plain", "measured"):
            began = time.perf_counter()
            for _ in range(instances):
                client.start(process_id)
            figures[f"starts_per_s_{process_id}"] = _rate(instances, time.perf_counter() - began)

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            monitoring.add_subscription(
                client.shell,
                event_kind="sla_breach",
                channel="webhook",
                target=f"http://127.0.0.1:{server.server_address[1]}/alerts",
                secret="bench",
            )
            node = Node(client.shell)
            clock.advance("PT2H")
            began = time.perf_counter()
            fired = node.scheduler.run_due()
            figures["breaches"] = fired
            figures["breaches_per_s"] = _rate(fired, time.perf_counter() - began)
            began = time.perf_counter()
            delivered, failed = node.alerts.run_due()
            figures["alerts_delivered"] = delivered
            figures["alerts_failed"] = failed
            figures["alerts_per_s"] = _rate(delivered, time.perf_counter() - began)
            node.close()
        finally:
            server.shutdown()
            server.server_close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'sla.db'}"
        figures = run(url, args.instances)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['database']}, {figures['instances']} instances")
    print(f"  starts/s without SLA targets: {figures['starts_per_s_plain']}")
    print(f"  starts/s with a task target:  {figures['starts_per_s_measured']}")
    print(f"  breaches fired/s:             {figures['breaches_per_s']} ({figures['breaches']})")
    print(
        f"  webhook alerts delivered/s:   {figures['alerts_per_s']} "
        f"({figures['alerts_delivered']} delivered, {figures['alerts_failed']} failed)"
    )


if __name__ == "__main__":
    main()
