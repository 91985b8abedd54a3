"""Workers of `durable_bench.py` for engine subprocesses: three trivial service tasks."""

from __future__ import annotations

from regista.runtime.workers import ActivatedJob, worker


@worker("bench-a")
def bench_a(job: ActivatedJob) -> dict[str, object]:
    return {"a": 1}


@worker("bench-b")
def bench_b(job: ActivatedJob) -> dict[str, object]:
    return {"b": 2}


@worker("bench-c")
def bench_c(job: ActivatedJob) -> None:
    return None
