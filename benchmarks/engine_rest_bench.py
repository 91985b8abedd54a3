"""Camunda 7's REST API (`/engine-rest`) over HTTP against a real `regista server` process
(auth none): what a Camunda 7 client does most.

Run: `python benchmarks/engine_rest_bench.py [--db sqlite|postgres|both] [--instances N]
[--json]`.

Figures, one client: instances started per second by `POST /process-definition/key/{key}
/start` (a business key and a typed variable each); messages correlated per second by
`POST /message` with a business key (each reaching one of those instances); and the p50 of
listing the waiting instances with `GET /process-instance` three ways: by process (paged
by the store's index), by business key (read through its index), and by a variable
condition (`amount_gt_…`, which reads every candidate's state). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import httpx

# the server and database harness of the /v2 benchmark, shared
from api_bench import database, server

PAYMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="bench">
  <bpmn:process id="payment" isExecutable="true" camunda:historyTimeToLive="1">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:messageEventDefinition id="wait-def" messageRef="paid" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="paid" name="PaymentReceived" />
</bpmn:definitions>
"""


def p50_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def run(kind: str, instances: int) -> dict[str, Any]:
    with (
        database(kind) as url,
        server(url) as base,
        httpx.Client(base_url=base + "/engine-rest", timeout=60) as http,
    ):
        http.post(
            "/deployment/create",
            data={"deployment-name": "bench", "deployment-source": "benchmark"},
            files={"payment.bpmn": ("payment.bpmn", PAYMENT, "text/xml")},
        ).raise_for_status()
        began = time.perf_counter()
        for i in range(instances):
            http.post(
                "/process-definition/key/payment/start",
                json={"businessKey": f"b-{i}", "variables": {"amount": {"value": i}}},
            ).raise_for_status()
        starts = instances / (time.perf_counter() - began)

        queries: dict[str, float] = {}
        lists: tuple[tuple[str, dict[str, str | int]], ...] = (
            ("by_process", {"processDefinitionKey": "payment", "maxResults": 50}),
            ("by_business_key", {"businessKey": f"b-{instances // 2}"}),
            ("by_variable", {"variables": f"amount_gt_{instances - 10}"}),
        )
        for label, params in lists:
            samples = []
            for _ in range(10):
                t0 = time.perf_counter()
                http.get("/process-instance", params=params).raise_for_status()
                samples.append(time.perf_counter() - t0)
            queries[label] = p50_ms(samples)

        began = time.perf_counter()
        for i in range(instances):
            http.post(
                "/message", json={"messageName": "PaymentReceived", "businessKey": f"b-{i}"}
            ).raise_for_status()
        correlations = instances / (time.perf_counter() - began)
    return {
        "db": kind,
        "instances": instances,
        "starts_per_s": round(starts, 1),
        "correlations_per_s": round(correlations, 1),
        "list_p50_ms": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    figures = [run(kind, args.instances) for kind in kinds]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for f in figures:
        q = f["list_p50_ms"]
        print(
            f"{f['db']:8} {f['instances']} instances: {f['starts_per_s']} starts/s, "
            f"{f['correlations_per_s']} correlations/s by business key; list p50: "
            f"by process {q['by_process']} ms, by business key {q['by_business_key']} ms, "
            f"by variable {q['by_variable']} ms"
        )


if __name__ == "__main__":
    main()
