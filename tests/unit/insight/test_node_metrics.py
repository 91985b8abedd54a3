"""Prometheus metrics of a node (`insight/metrics.py`), read back with prometheus_client's
own parser: counters and histograms from the shell's observer, gauges from the store at
scrape time, and the HTTP exporter of an engine-only node."""

from __future__ import annotations

import datetime as dt

import httpx
from prometheus_client.parser import text_string_to_metric_families

from regista.bpmn import ProcessBuilder
from regista.insight.metrics import Metrics
from regista.runtime.local import LocalRuntime
from regista.store import Gauges, StoreUnavailable
from regista.store.memory import MemoryStore

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: bytes | str) -> Samples:
    """Every sample by (name, sorted labels)."""
    if isinstance(text, bytes):
        text = text.decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_a_run_is_counted_and_the_gauges_read_what_waits() -> None:
    with LocalRuntime() as runtime:
        metrics = Metrics(runtime.store, clock=runtime.now).observe(runtime.shell)
        runtime.deploy(
            ProcessBuilder("order")
            .start("s")
            .service_task("charge", type="payment")
            .user_task("review")
            .end("e")
        )
        done, _waiting, failed = (runtime.start("order") for _ in range(3))
        runtime.advance("PT10S")
        runtime.complete_job(runtime.jobs(done)[0].id)
        runtime.advance("PT5M")
        runtime.complete_task(done, "review")
        runtime.fail(failed, "charge", "no money", retries=0)
        runtime.advance("PT20S")
        got = samples(metrics.exposition())

    assert got["regista_instances_started_total", (("process", "order"),)] == 3
    assert got["regista_instances_completed_total", (("process", "order"),)] == 1
    job = (("outcome", "completed"), ("type", "payment"))
    assert got["regista_job_duration_seconds_count", job] == 1
    assert got["regista_job_duration_seconds_sum", job] == 10.0
    assert got["regista_job_duration_seconds_bucket", (("le", "5.0"), *job)] == 0
    assert got["regista_job_duration_seconds_bucket", (("le", "10.0"), *job)] == 1
    failed_job = (("outcome", "failed"), ("type", "payment"))
    assert got["regista_job_duration_seconds_count", failed_job] == 1
    task = (("element", "review"), ("process", "order"))
    assert got["regista_user_task_duration_seconds_sum", task] == 300.0
    assert got["regista_incidents_raised_total", (("process", "order"), ("type", "JOB_NO_RETRIES"))]
    # at scrape time: one instance waits on its job, one is stopped by an incident
    assert got["regista_instances_active", (("process", "order"), ("status", "active"))] == 1
    assert got["regista_instances_active", (("process", "order"), ("status", "incident"))] == 1
    assert got["regista_tokens_active", (("element", "charge"), ("process", "order"))] == 2
    assert got["regista_jobs_activatable", (("type", "payment"),)] == 1
    assert got["regista_jobs_lag_seconds", (("type", "payment"),)] == 330.0
    open_incidents = (("process", "order"), ("type", "JOB_NO_RETRIES"))
    assert got["regista_incidents_open", open_incidents] == 1
    assert got["regista_store_up", ()] == 1
    assert any(name == "regista_command_duration_seconds_count" for name, _ in got)


class DownStore(MemoryStore):
    def gauges(self, now: dt.datetime) -> Gauges:
        raise StoreUnavailable("the database does not answer")


def test_a_database_down_at_scrape_time_is_reported_not_raised() -> None:
    metrics = Metrics(DownStore())
    got = samples(metrics.exposition())
    assert got["regista_store_up", ()] == 0
    assert got["regista_database_errors_total", (("error", "StoreUnavailable"),)] == 1
    assert not any(name == "regista_instances_active" for name, _ in got)


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.instance_started("p")
    assert samples(first.exposition())["regista_instances_started_total", (("process", "p"),)]
    assert not any(n == "regista_instances_started_total" for n, _ in samples(second.exposition()))


def test_the_exporter_answers_over_http_and_stops() -> None:
    metrics = Metrics(MemoryStore())
    metrics.timer_fired(0.3)
    exporter = metrics.serve(0)
    try:
        answer = httpx.get(f"http://127.0.0.1:{exporter.port}/metrics", timeout=10)
    finally:
        exporter.stop()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    got = samples(answer.text)
    assert got["regista_timer_lateness_seconds_bucket", (("le", "0.5"),)] == 1
    assert got["regista_timer_lateness_seconds_bucket", (("le", "0.25"),)] == 0
    assert got["regista_store_up", ()] == 1
