"""Prometheus metrics of one node: counters and histograms of the work it commits, and gauges
of what runs now, read from the store when they are scraped.

`Metrics` is the runtime's `Observer` (`regista.runtime.metrics`) with a registry of its own
(no global one: a process may hold several nodes, and tests several apps). The counters and
histograms count what this process committed; the gauges (`Store.gauges`) count what the
whole database holds, so every node sharing a PostgreSQL reports the same gauges. The server
answers them at `/metrics` (`regista.api.metrics`), `regista engine --metrics-port` with
`serve`. The names, types and labels are listed in README.md, "Metrics".
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from regista.runtime.shell import Shell
from regista.store import Store, StoreError

__all__ = ["CONTENT_TYPE", "Exporter", "Metrics"]

_M = TypeVar("_M", Counter, Histogram)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The media type of `Metrics.exposition`: Prometheus' text format 0.0.4, which every
version of prometheus-client writes by default and every scraper reads."""

# from a fraction of a second (an in-process worker) to a day (a job an outside system
# holds): the default buckets stop at 10 s
_JOB_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
_JOB_BUCKETS_LONG = (*_JOB_BUCKETS, 4 * 3600, 86400)
# people: minutes to weeks
_TASK_BUCKETS = (60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400, 7 * 86400)
_LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_COMMAND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The metrics of one node (see the module docstring). `store` and `clock` serve the
    gauges read at scrape time (None: no gauges, only what is observed)."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        if store is not None:
            # first: a scrape reads the store before the counters, so that a database
            # error it meets is in the same answer
            r.register(_Gauges(store, clock or _now, self))
        self._started = Counter(
            "regista_instances_started", "Process instances started.", ["process"], registry=r
        )
        self._completed = Counter(
            "regista_instances_completed",
            "Process instances that completed.",
            ["process"],
            registry=r,
        )
        self._failed = Counter(
            "regista_instances_failed",
            "Process instances that ended otherwise: terminated (an end event that terminates, "
            "an error nobody caught) or cancelled.",
            ["process", "status"],
            registry=r,
        )
        self._incidents = Counter(
            "regista_incidents_raised", "Incidents raised.", ["process", "type"], registry=r
        )
        self._jobs = Histogram(
            "regista_job_duration_seconds",
            "Seconds from a job's creation to the report of a worker (completed, failed, or a "
            "BPMN error) applied in this process.",
            ["type", "outcome"],
            buckets=_JOB_BUCKETS_LONG,
            registry=r,
        )
        self._tasks = Histogram(
            "regista_user_task_duration_seconds",
            "Seconds from a user task's creation to its completion.",
            ["process", "element"],
            buckets=_TASK_BUCKETS,
            registry=r,
        )
        self._lateness = Histogram(
            "regista_timer_lateness_seconds",
            "Seconds between a timer's due time and its firing.",
            buckets=_LATENESS_BUCKETS,
            registry=r,
        )
        self._commands = Histogram(
            "regista_command_duration_seconds",
            "Seconds a unit of work took (one transaction, shared by the requests of a group "
            "commit, retries included), by the command it ran.",
            ["kind"],
            buckets=_COMMAND_BUCKETS,
            registry=r,
        )
        self._database_errors = Counter(
            "regista_database_errors",
            "Errors the database gave the runtime (lost races run again included), by class.",
            ["error"],
            registry=r,
        )
        # children by label values: the hot path is a dict lookup and an increment
        self._children: dict[tuple[object, ...], Any] = {}
        self._lock = threading.Lock()

    def observe(self, shell: Shell) -> Metrics:
        """Make these metrics the observer of `shell` (and so of its node); returns self."""
        shell.observer = self
        return self

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format (`CONTENT_TYPE`)."""
        return generate_latest(self.registry)

    def serve(self, port: int, host: str = "127.0.0.1") -> Exporter:
        """Answer the metrics over HTTP on `host:port` in a thread (an engine-only node)."""
        server, thread = start_http_server(port, host, registry=self.registry)
        return Exporter(server.server_port, server, thread)

    # -- the runtime's Observer -------------------------------------------------------------

    def _child(self, metric: _M, *labels: str) -> _M:
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            with self._lock:
                child = self._children.setdefault(key, metric.labels(*labels))
        return cast(_M, child)

    def instance_started(self, process_id: str) -> None:
        self._child(self._started, process_id).inc()

    def instance_ended(self, process_id: str, status: str) -> None:
        if status == "completed":
            self._child(self._completed, process_id).inc()
        else:
            self._child(self._failed, process_id, status).inc()

    def incident_raised(self, process_id: str, error_type: str) -> None:
        self._child(self._incidents, process_id, error_type).inc()

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        self._child(self._jobs, job_type, outcome).observe(seconds)

    def user_task_done(self, process_id: str, element_id: str, seconds: float) -> None:
        self._child(self._tasks, process_id, element_id).observe(seconds)

    def timer_fired(self, lateness: float) -> None:
        self._lateness.observe(max(lateness, 0.0))

    def command(self, kind: str, seconds: float) -> None:
        self._child(self._commands, kind).observe(seconds)

    def database_error(self, error: str) -> None:
        self._child(self._database_errors, error).inc()


@dataclass(frozen=True, slots=True)
class Exporter:
    """The HTTP exporter of `Metrics.serve`: the port it listens on, and how to stop it."""

    port: int
    server: WSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Gauges(Collector):
    """The gauges read from the store at each scrape (`Store.gauges`)."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime], metrics: Metrics) -> None:
        self._store = store
        self._clock = clock
        self._metrics = metrics

    def describe(self) -> Iterable[Metric]:
        return list(_families())  # the names, without a query at registration

    def collect(self) -> Iterator[Metric]:
        instances, tokens, jobs, lag, incidents, up = _families()
        now = self._clock()
        try:
            gauges = self._store.gauges(now)
        except StoreError as exc:
            self._metrics.database_error(type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for (process_id, status), count in sorted(gauges.instances.items()):
            instances.add_metric([process_id, status], count)
        for (process_id, element_id), count in sorted(gauges.tokens.items()):
            tokens.add_metric([process_id, element_id], count)
        for job_type, (count, oldest) in sorted(gauges.jobs.items()):
            jobs.add_metric([job_type], count)
            age = 0.0 if oldest is None else (now - oldest).total_seconds()
            lag.add_metric([job_type], max(age, 0.0))
        for (process_id, error_type), count in sorted(gauges.incidents.items()):
            incidents.add_metric([process_id, error_type], count)
        yield from (instances, tokens, jobs, lag, incidents, up)


def _families() -> tuple[
    GaugeMetricFamily,
    GaugeMetricFamily,
    GaugeMetricFamily,
    GaugeMetricFamily,
    GaugeMetricFamily,
    GaugeMetricFamily,
]:
    return (
        GaugeMetricFamily(
            "regista_instances_active",
            "Process instances running now (status active, or stopped by an incident).",
            labels=["process", "status"],
        ),
        GaugeMetricFamily(
            "regista_tokens_active",
            "Tokens waiting at an element now (on a job, a user task, a timer, a message or "
            "signal, or stopped by an incident).",
            labels=["process", "element"],
        ),
        GaugeMetricFamily(
            "regista_jobs_activatable",
            "Jobs that may be activated now (ready and due, or whose lease ran out), by type: "
            "the queue's depth.",
            labels=["type"],
        ),
        GaugeMetricFamily(
            "regista_jobs_lag_seconds",
            "How long the oldest job that may be activated now has waited (since its due "
            "time, or the end of its lease), by type.",
            labels=["type"],
        ),
        GaugeMetricFamily(
            "regista_incidents_open", "Incidents not resolved.", labels=["process", "type"]
        ),
        GaugeMetricFamily(
            "regista_store_up", "1 when the database answered this scrape's counts, else 0."
        ),
    )
