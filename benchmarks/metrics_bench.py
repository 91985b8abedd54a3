"""What observing costs: microseconds of one committed unit of work's report to Prometheus
metrics, and of one scrape over the memory store.

Run: `python benchmarks/metrics_bench.py [--json] [--units N]`. Prints the CPU time of
`runtime.metrics.report` for a unit of work that started an instance, reported a job and
ended the instance (what a service-task step commits), with `Metrics` and with the no-op
observer, plus the command latency and counter increments of `Shell.transact`, and the
milliseconds of a scrape (`Metrics.exposition`) with 1,000 waiting instances. The durable
throughput with and without observing is `durable_bench.py --metrics`. Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from regista.bpmn import ProcessBuilder
from regista.insight.metrics import Metrics
from regista.runtime.local import LocalRuntime
from regista.runtime.metrics import JOB, STARTED, NoObserver, Observer, report
from regista.runtime.unit_of_work import UnitOfWork


def _unit_of_work(runtime: LocalRuntime) -> UnitOfWork:
    """A committed-looking unit of work: one instance started, a job done, the instance
    ended (the facts are what the shell's hot path appends)."""
    captured: list[UnitOfWork] = []

    def work(uow: UnitOfWork) -> None:
        captured.append(uow)
        model = runtime.shell.models.latest(uow.tx, "bench")
        loaded = uow.start(model, {})
        uow.facts.append((JOB, "payment", "completed", 0.042))
        assert loaded.ended_at is not None

    runtime.shell.transact(work)
    uow = captured[0]
    assert uow.facts[0][0] == STARTED
    return uow


def _cost(observer: Observer, uow: UnitOfWork, units: int) -> float:
    """Microseconds per unit of work of reporting `uow` and its command to `observer`."""
    began = time.process_time()
    for _ in range(units):
        report(observer, uow)
        observer.command("report_job", 0.002)
    return (time.process_time() - began) / units * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with LocalRuntime() as runtime:
        runtime.deploy(ProcessBuilder("bench").start("s").end("e"))
        uow = _unit_of_work(runtime)
        metrics = Metrics(runtime.store, clock=runtime.now)
        _cost(metrics, uow, 1000)  # the label children are made once
        figures["report_us_noop"] = round(_cost(NoObserver(), uow, args.units), 3)
        figures["report_us_prometheus"] = round(_cost(metrics, uow, args.units), 3)
        figures["report_us_added"] = round(
            figures["report_us_prometheus"] - figures["report_us_noop"], 3
        )
    with LocalRuntime() as runtime:
        runtime.deploy(ProcessBuilder("wait").start("s").user_task("t").end("e"))
        for _ in range(1000):
            runtime.start("wait")
        metrics = Metrics(runtime.store, clock=runtime.now)
        began = time.perf_counter()
        for _ in range(20):
            metrics.exposition()
        figures["scrape_ms_1000_waiting"] = round((time.perf_counter() - began) / 20 * 1e3, 3)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"report of one unit of work, no-op observer: {figures['report_us_noop']} us")
    print(f"report of one unit of work, Prometheus:     {figures['report_us_prometheus']} us")
    print(f"added by Prometheus per unit of work:       {figures['report_us_added']} us")
    print(f"scrape with 1,000 waiting instances:        {figures['scrape_ms_1000_waiting']} ms")


if __name__ == "__main__":
    main()
